/** The MISP API version Cairn answers as: PyMISP and MISP servers compare it with their own. */
export const MISP_API_VERSION = '2.5.2';
