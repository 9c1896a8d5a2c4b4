import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayManageSettings } from '../../access/policy/settings.js';
import { changeInstanceSetting, instanceSetting, listInstanceSettings } from '../../services/instance-settings.js';
import { saved } from '../body.js';
import type { ApiContext } from '../context.js';
import { documented } from '../openapi.js';
import { InstanceSetting, InstanceSettings } from '../schemas/answers.js';
import { SETTING_EDIT_BODY } from '../schemas/bodies.js';
import { lacking, refuseUnless, userOf } from '../session.js';

type NameRequest = FastifyRequest<{ Params: { name: string } }>;

/** MISP's instance settings API (servers/serverSettings…), over Cairn's settings: site admins only. */
export async function settingRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Instance', {
    'GET /servers/serverSettings': { summary: 'Every instance setting, under MISP\'s names where MISP has the setting (site admins)', response: InstanceSettings },
    'GET /servers/getSetting/:name': { summary: 'One setting, with its value (site admins); a secret is refused', response: InstanceSetting },
    'GET /servers/serverSettingsEdit/:name': { summary: 'One setting as {name: value} (site admins)' },
    'POST /servers/serverSettingsEdit/:name': { summary: 'Change a setting: {"value": …} (site admins); it applies to the next request on every server', body: SETTING_EDIT_BODY },
  });
  const admin = (request: FastifyRequest) => refuseUnless(mayManageSettings(userOf(request)), lacking('perm_site_admin'));

  app.get('/servers/serverSettings', async (request) => {
    admin(request);
    return { finalSettings: await listInstanceSettings(store) };
  });
  app.get('/servers/getSetting/:name', async (request: NameRequest) => {
    admin(request);
    return instanceSetting(store, request.params.name);
  });
  app.get('/servers/serverSettingsEdit/:name', async (request: NameRequest) => {
    admin(request);
    const s = await instanceSetting(store, request.params.name);
    return { [s.name]: s.value };
  });
  app.post('/servers/serverSettingsEdit/:name', async (request: NameRequest) => {
    admin(request);
    // MISP takes the value bare or inside {"Server": {…}}.
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = typeof raw.Server === 'object' && raw.Server !== null ? raw.Server as Record<string, unknown> : raw;
    await changeInstanceSetting(store, request.params.name, body.value);
    return saved('Field updated', '/servers/serverSettingsEdit');
  });
}
