import { Marked, type Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * The one sanitising helper: Markdown to HTML that is safe to print unescaped (`<%-`). Scripts,
 * styles, frames, forms, event handlers and `javascript:` URLs never survive; headings, lists,
 * tables, code, images and links do. Links to other sites open safely in a new tab.
 *
 * Images. The content security policy loads images from Kompeten only, so an image from another
 * site would show broken: it becomes a link to that image instead (and lesson editors are told,
 * see markdownImageProblems). A lesson's uploaded images are written `![alt](gambar:<file id>)`
 * (`image:` works too) and rendered with the width and height of the stored image, narrower
 * copies in `srcset`, and the alt text given at upload when the Markdown leaves it empty. Their
 * URL is relative, `../files/<id>`: every page that shows a lesson lives at
 * `<base>/lessons/<lesson id>` and serves the lesson's files at `<base>/files/<id>` (the draft
 * preview, each published version, a cohort's study page), so HTML rendered once at publishing
 * works in all of them, each checking its own permission.
 */

/** An uploaded image a Markdown text may show, as publishing records it. */
export type MarkdownImage = { id: string; alt: string; width: number; height: number; widths: number[] };
export type MarkdownOptions = { images?: readonly MarkdownImage[] };
export type ImageProblems = { external: string[]; missing: string[] };

const imageReference = /^(?:gambar|image):([0-9a-f]{24})$/i;
/** The lesson column: `main` is at most 60rem wide with 1rem padding on each side. */
const imageSizes = '(min-width: 60rem) 58rem, calc(100vw - 2rem)';

const allowedTags = [
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'p',
  'br',
  'hr',
  'blockquote',
  'pre',
  'code',
  'em',
  'strong',
  'del',
  's',
  'ul',
  'ol',
  'li',
  'a',
  'img',
  'span',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'sup',
  'sub',
  'kbd',
];

function sanitizerOptions(problems: ImageProblems): sanitizeHtml.IOptions {
  return {
    allowedTags,
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'target', 'class'],
      img: ['src', 'srcset', 'sizes', 'alt', 'title', 'width', 'height', 'loading', 'decoding'],
      span: ['class', 'title'],
      th: ['align'],
      td: ['align'],
      ol: ['start'],
      code: ['class'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    allowedClasses: { code: [/^language-[\w-]+$/], a: ['external-image'], span: ['image-missing'] },
    transformTags: {
      a: (tagName, attributes) => {
        const external = /^https?:\/\//i.test(attributes.href ?? '');
        return {
          tagName,
          attribs: external ? { ...attributes, rel: 'noopener noreferrer nofollow', target: '_blank' } : attributes,
        };
      },
      img: (tagName, attributes): sanitizeHtml.Tag => {
        const src = attributes.src ?? '';
        // Another site's image (absolute or protocol-relative): the policy would block it, so the
        // reader gets a link to open it there instead of a broken picture.
        if (/^(?:[a-z][a-z\d+.-]*:|\/\/)/i.test(src)) {
          problems.external.push(src);
          return {
            tagName: 'a',
            attribs: { href: src, class: 'external-image', rel: 'noopener noreferrer nofollow', target: '_blank' },
            text: attributes.alt || src,
          };
        }
        // Images load only when scrolled to: lessons are read over weak connections.
        return { tagName, attribs: { ...attributes, loading: 'lazy', decoding: 'async' } };
      },
    },
  };
}

const escapeAttribute = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The `<img>` of an uploaded image, sized so that the page does not jump when it loads. */
function uploadedImage(image: MarkdownImage, alt: string, title: string | null | undefined): string {
  const url = `../files/${image.id}`;
  const candidates = [...image.widths.filter((width) => width < image.width).map((width) => `${url}?w=${width} ${width}w`)];
  candidates.push(`${url} ${image.width}w`);
  return (
    `<img src="${url}" srcset="${candidates.join(', ')}" sizes="${imageSizes}" width="${image.width}" ` +
    `height="${image.height}" alt="${escapeAttribute(alt || image.alt)}"${title ? ` title="${escapeAttribute(title)}"` : ''}>`
  );
}

function render(markdown: string, options: MarkdownOptions, problems: ImageProblems): string {
  const images = new Map((options.images ?? []).map((image) => [image.id, image]));
  const marked = new Marked(
    { gfm: true, breaks: false },
    {
      renderer: {
        image({ href, title, text: raw, tokens }: Tokens.Image) {
          const id = imageReference.exec(href)?.[1]?.toLowerCase();
          if (!id) return false; // an ordinary image: the sanitiser decides
          // The alt text as plain text, Markdown escapes resolved (as marked's own image does).
          const text = tokens ? this.parser.parseInline(tokens, this.parser.textRenderer) : raw;
          const image = images.get(id);
          if (image) return uploadedImage(image, text, title);
          // Removed from the lesson since: its alt text keeps the sentence readable.
          problems.missing.push(href);
          return `<span class="image-missing">${escapeAttribute(text || href)}</span>`;
        },
      },
    },
  );
  return sanitizeHtml(marked.parse(markdown, { async: false }), sanitizerOptions(problems));
}

export function renderMarkdown(markdown: string, options: MarkdownOptions = {}): string {
  return render(markdown, options, { external: [], missing: [] });
}

/**
 * The images a text shows that readers would not see: from other sites (the security policy
 * blocks them) and references to images the lesson does not have. Editors are told before saving.
 */
export function markdownImageProblems(markdown: string, imageIds: Iterable<string>): ImageProblems {
  const problems: ImageProblems = { external: [], missing: [] };
  const images = [...imageIds].map((id) => ({ id, alt: '', width: 1, height: 1, widths: [] }));
  render(markdown, { images }, problems);
  return { external: [...new Set(problems.external)], missing: [...new Set(problems.missing)] };
}

/** The Markdown that shows an uploaded image: what the editor's Insert button puts in the text. */
export function imageMarkdown(image: Pick<MarkdownImage, 'id' | 'alt'>): string {
  const alt = image.alt.replace(/\s+/g, ' ').replace(/[\\[\]]/g, '\\$&');
  return `![${alt}](gambar:${image.id})`;
}
