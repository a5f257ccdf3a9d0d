/** The Socket.IO room of a class: everyone in it, on every process. */
export const liveRoom = (session: string) => `live:${session}`;
/** The class's staff: poll results before they are shown to everyone. */
export const staffRoom = (session: string) => `live:${session}:staff`;
/** The connections of one person in one class: presence counts people, not tabs. */
export const personRoom = (session: string, user: string) => `live:${session}:user:${user}`;
