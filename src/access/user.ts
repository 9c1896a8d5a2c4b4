import type { Permission } from './roles.js';

export interface Role {
  id: number;
  name: string;
  permissions: Permission[];
  /** MISP's PHP limits for the role ('' for none); kept for MISP's API, Cairn does not apply them. */
  limits?: RoleLimits;
}

export interface RoleLimits {
  maxExecutionTime: string;
  memoryLimit: string;
}

/** A user as a request or a session finds him: who he is, his organisation and what his role lets him do. */
export interface User {
  id: number;
  email: string;
  disabled: boolean;
  created: number;
  org: { id: number; uuid: string; name: string; local: boolean };
  role: Role;
  /** What MISP keeps of the account beyond who he is; read with the user (absent in tests' made-up users). */
  account?: UserAccount;
  /**
   * This instance's own feed fetcher, not a person: it brings a feed's newer versions of the events it
   * imported as MISP's fetching admin does, not under the rules for another instance's pushes.
   */
  fetchesFeeds?: true;
}

export interface UserAccount {
  /** When the password was last set (seconds); 0: never. */
  lastPwChange: number;
  /** He must change his password. */
  changePw: boolean;
  autoalert: boolean;
  contactalert: boolean;
}
