import type { TFunction } from 'i18next';

/** A link one feature offers on another's page: where, what it says, and whether it downloads. */
export type SlotLink = { href: string; label: string; download?: boolean };

/**
 * Places on a feature's pages where later features add links, registered when they start (the
 * certificates feature adds its downloads to a completion record's page), so an earlier feature
 * shows what a later one offers without importing it. A slot is named by the page that has it;
 * its subject is whatever that page shows (a record with its id, code and status).
 */
export function createLinkSlots() {
  const providers = new Map<string, ((subject: never, t: TFunction) => SlotLink[])[]>();
  return {
    add<S>(slot: string, provider: (subject: S, t: TFunction) => SlotLink[]): void {
      providers.set(slot, [...(providers.get(slot) ?? []), provider as (subject: never, t: TFunction) => SlotLink[]]);
    },
    links<S>(slot: string, subject: S, t: TFunction): SlotLink[] {
      return (providers.get(slot) ?? []).flatMap((provider) => provider(subject as never, t));
    },
  };
}
export type LinkSlots = ReturnType<typeof createLinkSlots>;
