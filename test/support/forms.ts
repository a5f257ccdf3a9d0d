/**
 * The forms of a page as a browser would submit them: action, method, encoding and each field's
 * value as filled in (inputs, ticked checkboxes, selected options, textareas, named buttons).
 * Read with regular expressions, which is enough for the app's own EJS views.
 */
export type PageForm = {
  action: string;
  method: 'get' | 'post';
  multipart: boolean;
  /** Field name to its values, in page order; `_csrf` left out. */
  fields: Map<string, string[]>;
};

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return entities[entity.toLowerCase()] ?? whole;
  });
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(attributes);
  return match ? decode(match[1] ?? '') : undefined;
}

const hasFlag = (attributes: string, name: string) => new RegExp(`\\s${name}(?=[\\s>/=]|$)`, 'i').test(attributes);

export function formsOf(html: string, pagePath: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const [, attributes = '', body = ''] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const fields = new Map<string, string[]>();
    const add = (name: string | undefined, value: string) => {
      if (!name || name === '_csrf') return;
      fields.set(name, [...(fields.get(name) ?? []), value]);
    };
    for (const [, input = ''] of body.matchAll(/<input\b([^>]*)>/gi)) {
      const type = (attribute(input, 'type') ?? 'text').toLowerCase();
      if (['submit', 'button', 'reset', 'file', 'image'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !hasFlag(input, 'checked')) continue;
      add(attribute(input, 'name'), attribute(input, 'value') ?? (type === 'checkbox' ? 'on' : ''));
    }
    for (const [, select = '', options = ''] of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const all = [...options.matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/gi)];
      const chosen = all.filter(([, option = '']) => hasFlag(option, 'selected'));
      const values = (chosen.length ? chosen : all.slice(0, 1)).map(
        ([, option = '', label = '']) => attribute(option, 'value') ?? decode(label.trim()),
      );
      for (const value of values) add(attribute(select, 'name'), value);
    }
    for (const [, textarea = '', text = ''] of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      add(attribute(textarea, 'name'), decode(text));
    }
    // A named button sends its value when it submits the form (the first one, as a click would).
    const button = /<button\b([^>]*\bname="[^"]*"[^>]*)>/i.exec(body)?.[1];
    if (button) add(attribute(button, 'name'), attribute(button, 'value') ?? '');
    forms.push({
      action: attribute(attributes, 'action') || pagePath,
      method: attribute(attributes, 'method')?.toLowerCase() === 'post' ? 'post' : 'get',
      multipart: /multipart\/form-data/i.test(attribute(attributes, 'enctype') ?? ''),
      fields,
    });
  }
  return forms;
}
