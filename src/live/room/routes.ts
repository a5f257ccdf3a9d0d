import type { FeatureContext } from '../../app.js';
import { requireLogin } from '../../auth/passport.js';
import { ConflictError } from '../../platform/errors.js';
import { visibleSession } from '../service.js';
import { roomLimits } from './schemas.js';
import { registerRoomEvents } from './socket.js';

/** The live room's page (its script then speaks Socket.IO) and its socket events. */
export function registerRoomRoutes({ web, liveConnections, log }: FeatureContext): void {
  registerRoomEvents(liveConnections, log);

  web.get('/live/:id/room', requireLogin, async (req, res) => {
    const { session, cohort, manages } = await visibleSession(req.actor!, String(req.params.id));
    if (session.status === 'cancelled') throw new ConflictError('live.room.errors.cancelled');
    res.render('live/room', {
      title: session.title,
      session,
      cohort,
      staff: manages,
      limits: roomLimits,
      account: req.actor!.id,
    });
  });
}
