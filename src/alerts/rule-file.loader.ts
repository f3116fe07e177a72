import { Inject, Injectable, Logger } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from '../common/json';
import { kindOf, readRegularFile } from '../common/regular-file';
import { FieldError, MAX_BODY_DEPTH, nestsDeeperThan, strictCheck } from '../common/validation';
import { AppConfig } from '../config/environment';
import { WEBHOOK_CHANNELS, WebhookChannels } from '../contracts/notifications';
import { FileRuleDto } from './dto/rule.dto';
import { checkParams, unknownChannelErrors } from './rule-validation';

const MAX_FILE_BYTES = 1024 * 1024;
const TOP_LEVEL = new Set(['channels', 'rules']);

/** A rule file that cannot be used: the start stops with this message. */
class RuleFileError extends Error {}

/**
 * MC_ALERT_RULES: a JSON or YAML file `{channels: [...], rules: [...]}` for people who keep their
 * configuration in git. Checked like the API's bodies; a channel's `url_env` and `secret_env` name
 * environment variables that hold its URL and secret, so neither needs to be in the file. Its
 * channels are written here; its rules are returned for RulesService to write.
 */
@Injectable()
export class RuleFileLoader {
  private readonly logger = new Logger(RuleFileLoader.name);
  private readonly path: string | undefined;
  /** The environment as the app was built, when every other setting was read. */
  private readonly env = { ...process.env };

  constructor(
    config: AppConfig,
    @Inject(WEBHOOK_CHANNELS) private readonly webhooks: WebhookChannels,
  ) {
    this.path = config.get('MC_ALERT_RULES', { infer: true });
  }

  /**
   * The file's rules, checked, once its channels are in place, and the ids
   * of the file's channels it no longer has; null when no file is set.
   */
  async load(): Promise<{ path: string; rules: FileRuleDto[]; removedChannels: string[] } | null> {
    if (!this.path) return null;
    const file = await this.read(this.path);
    const channels = this.entries(file, 'channels').map((entry, i) => this.channel(entry, i));
    const rules = this.entries(file, 'rules').map((entry, i) => this.rule(entry, i));
    const twice = unique('channels', channels) ?? unique('rules', rules);
    if (twice) throw new RuleFileError(`MC_ALERT_RULES (${this.path}): ${twice}`);
    const names = new Map((await this.webhooks.list()).map((c) => [c.id, c.name]));
    const removedChannels = await this.webhooks.replaceFromFile(channels);
    if (removedChannels.length) {
      const which = removedChannels.map((id) => `${JSON.stringify(names.get(id) ?? id)} (${id})`).join(', ');
      const count = `${removedChannels.length} channel${removedChannels.length === 1 ? '' : 's'}`;
      this.logger.warn(`Alert rule file ${this.path} removes ${count} it no longer has: ${which}`);
    }
    for (const [i, rule] of rules.entries()) {
      const unknown = await this.webhooks.unknown(rule.channels ?? []);
      if (unknown.length) throw this.fail(`rules[${i}] (id "${rule.id}")`, unknownChannelErrors(unknown));
    }
    this.logger.log(`Alert rule file ${this.path}: ${channels.length} channels, ${rules.length} rules`);
    return { path: this.path, rules, removedChannels };
  }

  private async read(path: string): Promise<Record<string, unknown>> {
    let parsed: unknown;
    try {
      const text = await readRuleFile(path);
      // Blank or comments only: nothing, whatever the format.
      const blank = !/\S/.test(text.replace(/^\s*#.*$/gm, ''));
      parsed = blank ? null : extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      if (error instanceof RuleFileError) throw error;
      throw new RuleFileError(`MC_ALERT_RULES (${path}) cannot be read: ${(error as Error).message}`);
    }
    // An empty file (an editor's slip, a failed checkout) would otherwise remove every file rule and channel.
    if (parsed === null || parsed === undefined || (isPlainObject(parsed) && !Object.keys(parsed).length)) {
      const hint = 'to remove every rule and channel it made, write "rules: []"';
      throw new RuleFileError(`MC_ALERT_RULES (${path}) says nothing (no "channels" or "rules"): ${hint}`);
    }
    if (nestsDeeperThan(parsed, MAX_BODY_DEPTH))
      throw new RuleFileError(`MC_ALERT_RULES (${path}) nests deeper than ${MAX_BODY_DEPTH} levels`);
    if (!isPlainObject(parsed))
      throw new RuleFileError(`MC_ALERT_RULES (${path}) must hold an object with "channels" and "rules" lists`);
    const extra = Object.keys(parsed).filter((key) => !TOP_LEVEL.has(key));
    if (extra.length)
      throw new RuleFileError(
        `MC_ALERT_RULES (${path}): unknown top-level field ${extra.map((k) => `"${k}"`).join(', ')} (it takes "channels" and "rules")`,
      );
    return parsed;
  }

  private entries(file: Record<string, unknown>, key: 'channels' | 'rules'): Record<string, unknown>[] {
    const list = file[key] ?? [];
    if (!Array.isArray(list)) throw new RuleFileError(`MC_ALERT_RULES (${this.path}): "${key}" must be a list`);
    return list.map((entry, i) => {
      if (!isPlainObject(entry))
        throw new RuleFileError(`MC_ALERT_RULES (${this.path}): ${key}[${i}] must be an object`);
      return entry;
    });
  }

  private channel(entry: Record<string, unknown>, i: number) {
    const { url_env: urlEnv, secret_env: secretEnv, ...fields } = entry;
    const where = `channels[${i}]${typeof entry.id === 'string' ? ` (id "${entry.id}")` : ''}`;
    if (urlEnv !== undefined) fields.url = this.variable(where, 'url_env', urlEnv);
    if (secretEnv !== undefined) fields.secret = this.variable(where, 'secret_env', secretEnv);
    const { value, errors } = this.webhooks.checkFileChannel(fields);
    if (errors.length) throw this.fail(where, errors);
    return value;
  }

  private rule(entry: Record<string, unknown>, i: number): FileRuleDto {
    const where = `rules[${i}]${typeof entry.id === 'string' ? ` (id "${entry.id}")` : ''}`;
    const { value, errors } = strictCheck(FileRuleDto, entry);
    if (errors.length) throw this.fail(where, errors);
    const params = checkParams(value.kind, value.params ?? {});
    if (params.errors.length) throw this.fail(where, params.errors);
    return Object.assign(value, { params: params.value });
  }

  private fail(where: string, errors: FieldError[]): RuleFileError {
    return new RuleFileError(
      `MC_ALERT_RULES (${this.path}): ${where}: ${errors.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; ')}`,
    );
  }

  /** Secrets and webhook URLs (which are secrets too, for Slack and Discord) can stay out of the file. */
  private variable(where: string, field: string, name: unknown): string {
    const value = typeof name === 'string' ? this.env[name] : undefined;
    if (!value)
      throw new RuleFileError(
        `MC_ALERT_RULES (${this.path}): ${where}: ${field} names the environment variable ${JSON.stringify(name)}, which is not set`,
      );
    return value;
  }
}

/**
 * The file's text, read only if it is a regular file of at most MAX_FILE_BYTES: it is looked at
 * before it is opened (a FIFO would block the open until a writer came, a device be read forever),
 * then opened without blocking and looked at again (it may have been replaced meanwhile).
 */
async function readRuleFile(path: string): Promise<string> {
  const info = await stat(path);
  if (!info.isFile()) throw new RuleFileError(`MC_ALERT_RULES (${path}) is not a regular file (${kindOf(info)})`);
  if (info.size > MAX_FILE_BYTES) throw new Error(`it is over ${MAX_FILE_BYTES / 1024} KiB`);
  return (await readRegularFile(path, MAX_FILE_BYTES)).toString('utf8');
}

function unique(key: string, entries: { id: string }[]): string | null {
  const seen = new Set<string>();
  for (const { id } of entries) {
    if (seen.has(id)) return `${key} has the id "${id}" twice`;
    seen.add(id);
  }
  return null;
}
