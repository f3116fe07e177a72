/**
 * What a folder name must look like to be an agent id, and what an id in a URL must look like.
 * No slashes and no leading dot, so an id can never name anything outside its folder.
 */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Ids of rules and channels: given in the rule file, generated (UUIDs) over the API. */
export const CONFIG_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
export const CONFIG_ID_MESSAGE = 'must be an id: letters, digits, "_", "." and "-", at most 64 characters';

/** What an event type in the event log looks like. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/;
