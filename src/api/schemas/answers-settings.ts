import { Type } from 'typebox';
import { Doc } from './answer-fields.js';

/** An instance setting as servers/getSetting answers it (servers/serverSettings lists them). */
export const InstanceSetting = Doc({
  name: Type.String(), setting: Type.String(), value: Type.Union([Type.Boolean(), Type.Number(), Type.String()]),
  type: Type.String({ description: 'boolean, numeric or string' }), level: Type.Integer({ description: '0 critical, 1 recommended, 2 optional' }),
  tab: Type.String(), editable: Type.Boolean(),
});

export const InstanceSettings = Doc({ finalSettings: Type.Array(InstanceSetting) });
