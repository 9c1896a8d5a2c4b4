import type { Permission } from './roles.js';

export interface Role {
  id: number;
  name: string;
  permissions: Permission[];
}

/** A user as a request or a session finds him: who he is, his organisation and what his role lets him do. */
export interface User {
  id: number;
  email: string;
  disabled: boolean;
  created: number;
  org: { id: number; uuid: string; name: string; local: boolean };
  role: Role;
}
