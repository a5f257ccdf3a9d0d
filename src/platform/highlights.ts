/** Who the landing page speaks to, one card each. */
export const audiences = ['trainees', 'instructors', 'coordinators'] as const;
export type Audience = (typeof audiences)[number];

/**
 * What the landing page says Kompeten does: each feature adds its own lines (i18n keys) when it
 * registers at start, so the page promises only what is there and grows as features land.
 */
export function createHighlights() {
  const lines: Record<Audience, string[]> = { trainees: [], instructors: [], coordinators: [] };
  return {
    add(audience: Audience, key: string): void {
      if (!lines[audience].includes(key)) lines[audience].push(key);
    },
    of(audience: Audience): readonly string[] {
      return lines[audience];
    },
  };
}
export type Highlights = ReturnType<typeof createHighlights>;
