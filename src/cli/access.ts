import { addOrganisation, findOrganisation, listOrganisations } from '../store/access/organisations.js';
import { newPassword } from '../access/passwords.js';
import { endSessionsOf } from '../store/access/sessions.js';
import { addApiKey, addUser, bootstrapInstance, findUser, listUsers, setPassword } from '../store/access/users.js';
import { CliError, withStore, writeOut } from './context.js';

/** `cairn orgs [add NAME]`: the organisations, or a new local one. */
export async function orgsCommand(action: string | undefined, name: string | undefined): Promise<number> {
  return withStore(async (store) => {
    await bootstrapInstance(store);
    if (action === undefined) {
      const orgs = await listOrganisations(store);
      await writeOut(`${orgs.map((o) => `${String(o.id).padEnd(5)} ${o.uuid}  ${o.local ? 'local ' : 'known '} ${o.name}`).join('\n')}\n`);
      return 0;
    }
    if (action !== 'add') throw new CliError(`unknown action "${action}"; use add NAME, or nothing to list`);
    if (!name?.trim()) throw new CliError('give the NAME of the organisation to add');
    const org = await addOrganisation(store, name.trim());
    process.stderr.write(`organisation ${org.id} ${org.uuid} "${org.name}" is local\n`);
    return 0;
  });
}

/** `cairn users [add EMAIL --org NAME --role ROLE]`, `cairn users key EMAIL`, `cairn users password EMAIL`: users, their API keys and passwords. */
export async function usersCommand(action: string | undefined, email: string | undefined, options: { org?: string; role?: string; comment?: string }): Promise<number> {
  return withStore(async (store) => {
    const boot = await bootstrapInstance(store);
    if (boot.admin) process.stderr.write(`made the site admin ${boot.admin.email}; his API key, shown this once: ${boot.admin.key}; his password for the web interface: ${boot.admin.password}\n`);
    if (action === undefined) {
      const users = await listUsers(store);
      await writeOut(`${users.map((u) => `${String(u.id).padEnd(5)} ${u.email.padEnd(32)} ${u.role.name.padEnd(10)} ${u.org.name}${u.disabled ? '  (disabled)' : ''}`).join('\n')}\n`);
      return 0;
    }
    if (!email?.trim()) throw new CliError(`give the EMAIL of the user`);
    if (action === 'add') {
      const org = options.org ? await findOrganisation(store, options.org) : boot.hostOrganisation;
      if (!org) throw new CliError(`no organisation "${options.org}" (cairn orgs lists them)`);
      const made = await addUser(store, email, org.id, options.role ?? 'User');
      if (!made.ok) throw new CliError(`${made.field}: ${made.reason}`);
      const key = await addApiKey(store, made.user.id, options.comment ?? '');
      process.stderr.write(`user ${made.user.id} ${made.user.email} (${made.user.role.name}, ${org.name}); API key, shown this once:\n`);
      await writeOut(`${key}\n`);
      return 0;
    }
    if (action === 'key') {
      const user = await findUser(store, email);
      if (!user) throw new CliError(`no user ${email}`);
      await writeOut(`${await addApiKey(store, user.id, options.comment ?? '')}\n`);
      return 0;
    }
    if (action === 'password') {
      const user = await findUser(store, email);
      if (!user) throw new CliError(`no user ${email}`);
      const password = newPassword();
      await setPassword(store, user.id, password);
      await endSessionsOf(store, user.id);
      process.stderr.write(`a new password for ${user.email} (his sessions are ended), shown this once:\n`);
      await writeOut(`${password}\n`);
      return 0;
    }
    throw new CliError(`unknown action "${action}"; use add EMAIL, key EMAIL, password EMAIL, or nothing to list`);
  });
}
