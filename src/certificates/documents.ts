import type { DocumentLoader } from '@digitalbazaar/vc';
import { contextLoader, loaded, UnknownDocumentError } from './contexts.js';
import { issuerProfile, keyDocument } from './issuer.js';
import { publicKeysOf } from './keys.js';
import { statusListOf } from './statusList.js';
import { readAddress } from './urls.js';

/** The part of one of our addresses before `/institutions/…`: the base it was made with. */
function baseOf(address: string): string {
  const url = new URL(address);
  return `${url.origin}${url.pathname.slice(0, url.pathname.lastIndexOf('/institutions/'))}`;
}

/**
 * The document loader of verification: the known contexts, and our own institutions' issuer
 * profiles, keys and status lists read from the database (as their public addresses serve them).
 * Anything else, a key or list on another site above all, is refused: this page vouches only for
 * credentials its own institutions signed, and it never fetches from the network.
 */
export function verificationLoader(sessionSecret: string): DocumentLoader {
  return async (url) => {
    const address = readAddress(url);
    if (!address || address.kind === 'credential') return contextLoader(url);
    const base = baseOf(url);
    if (address.kind === 'issuer') {
      const profile = await issuerProfile(base, address.institution);
      if (profile) return loaded(url, profile);
    } else if (address.kind === 'key') {
      const key = (await publicKeysOf(address.institution)).find((candidate) => candidate.generation === address.generation);
      if (key) return loaded(url, keyDocument(base, address.institution, key));
    } else {
      const list = await statusListOf(base, address.institution, sessionSecret);
      if (list) return loaded(url, list.credential);
    }
    throw new UnknownDocumentError(`No such document: ${url}`);
  };
}
