/**
 * Version of the plug-in surface. A sector module states the range it was built for
 * (`compatibility: '^0.2.3'`) and the engine refuses to start when this version is outside it.
 */
export const POLICY_SDK_VERSION = '0.2.3';
