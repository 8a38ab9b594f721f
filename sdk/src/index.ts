// @tessera/sdk: what a user's API imports to ask tessera about its keys.
export {};
