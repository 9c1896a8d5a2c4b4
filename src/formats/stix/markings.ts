import type { StixObject } from './observables.js';

const TLP2_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

function tlp1(colour: string, id: string): StixObject {
  return { type: 'marking-definition', spec_version: '2.1', id: `marking-definition--${id}`, created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp', name: `TLP:${colour.toUpperCase()}`, definition: { tlp: colour } };
}

function tlp2(label: string, id: string): StixObject {
  return { type: 'marking-definition', spec_version: '2.1', id: `marking-definition--${id}`, created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${label.toUpperCase()}`, extensions: { [TLP2_EXTENSION]: { extension_type: 'property-extension', tlp_2_0: label } } };
}

/**
 * The standard TLP marking definitions, by MISP tag: TLP 1.0's for the four labels both versions share
 * (as MISP's own converter writes them), TLP 2.0's for the labels only 2.0 has.
 */
export const TLP_MARKINGS: Readonly<Record<string, StixObject>> = {
  'tlp:white': tlp1('white', '613f2e26-407d-48c7-9eca-b8e91df99dc9'),
  'tlp:green': tlp1('green', '34098fce-860f-48ae-8e50-ebd3cc5e41da'),
  'tlp:amber': tlp1('amber', 'f88d31f6-486f-44da-b317-01333bde0b82'),
  'tlp:red': tlp1('red', '5e57c739-391a-4eb3-b6be-7d15ca92d5ed'),
  'tlp:clear': tlp2('clear', '94868c89-83c2-464b-929b-a1a8aa3c8487'),
  'tlp:amber+strict': tlp2('amber+strict', '939a9414-2ddd-4d32-a0cd-375ea402b003'),
};

/** The MISP tag a marking definition stands for, by its id (for import). */
export const TAG_OF_MARKING: ReadonlyMap<string, string> = new Map([
  ...Object.entries(TLP_MARKINGS).map(([tag, m]) => [m.id, tag] as [string, string]),
  ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'tlp:green'],
  ['marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'tlp:amber'],
  ['marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1', 'tlp:red'],
]);
