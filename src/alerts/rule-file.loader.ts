import { Injectable, Logger } from '@nestjs/common';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from '../common/json';
import { FieldError, MAX_BODY_DEPTH, nestsDeeperThan } from '../common/validation';
import { AppConfig } from '../config/environment';
import { FileWebhookDto } from '../notifications/dto/webhook.dto';
import { WebhooksService } from '../notifications/webhooks.service';
import { FileRuleDto } from './dto/rule.dto';
import { checkParams, strictCheck, unknownChannelErrors } from './rule-validation';

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
    private readonly webhooks: WebhooksService,
  ) {
    this.path = config.get('MC_ALERT_RULES', { infer: true });
  }

  /** The file's rules, checked, once its channels are in place, and the ids of the file's channels it no longer has; null when no file is set. */
  async load(): Promise<{ rules: FileRuleDto[]; removedChannels: string[] } | null> {
    if (!this.path) return null;
    const file = await this.read(this.path);
    const channels = this.entries(file, 'channels').map((entry, i) => this.channel(entry, i));
    const rules = this.entries(file, 'rules').map((entry, i) => this.rule(entry, i));
    const twice = unique('channels', channels) ?? unique('rules', rules);
    if (twice) throw new RuleFileError(`MC_ALERT_RULES (${this.path}): ${twice}`);
    const removedChannels = await this.webhooks.replaceFromFile(channels);
    for (const [i, rule] of rules.entries()) {
      const unknown = await this.webhooks.unknown(rule.channels ?? []);
      if (unknown.length) throw this.fail(`rules[${i}] (id "${rule.id}")`, unknownChannelErrors(unknown));
    }
    this.logger.log(`Alert rule file ${this.path}: ${channels.length} channels, ${rules.length} rules`);
    return { rules, removedChannels };
  }

  private async read(path: string): Promise<Record<string, unknown>> {
    let parsed: unknown;
    try {
      const info = await stat(path);
      if (info.size > MAX_FILE_BYTES) throw new Error(`it is over ${MAX_FILE_BYTES / 1024} KiB`);
      const text = await readFile(path, 'utf8');
      parsed = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new RuleFileError(`MC_ALERT_RULES (${path}) cannot be read: ${(error as Error).message}`);
    }
    if (parsed === null || parsed === undefined) return {};
    if (nestsDeeperThan(parsed, MAX_BODY_DEPTH)) throw new RuleFileError(`MC_ALERT_RULES (${path}) nests deeper than ${MAX_BODY_DEPTH} levels`);
    if (!isPlainObject(parsed)) throw new RuleFileError(`MC_ALERT_RULES (${path}) must hold an object with "channels" and "rules" lists`);
    const extra = Object.keys(parsed).filter((key) => !TOP_LEVEL.has(key));
    if (extra.length) throw new RuleFileError(`MC_ALERT_RULES (${path}): unknown top-level field ${extra.map((k) => `"${k}"`).join(', ')} (it takes "channels" and "rules")`);
    return parsed;
  }

  private entries(file: Record<string, unknown>, key: 'channels' | 'rules'): Record<string, unknown>[] {
    const list = file[key] ?? [];
    if (!Array.isArray(list)) throw new RuleFileError(`MC_ALERT_RULES (${this.path}): "${key}" must be a list`);
    return list.map((entry, i) => {
      if (!isPlainObject(entry)) throw new RuleFileError(`MC_ALERT_RULES (${this.path}): ${key}[${i}] must be an object`);
      return entry;
    });
  }

  private channel(entry: Record<string, unknown>, i: number): FileWebhookDto {
    const { url_env: urlEnv, secret_env: secretEnv, ...fields } = entry;
    const where = `channels[${i}]${typeof entry.id === 'string' ? ` (id "${entry.id}")` : ''}`;
    if (urlEnv !== undefined) fields.url = this.variable(where, 'url_env', urlEnv);
    if (secretEnv !== undefined) fields.secret = this.variable(where, 'secret_env', secretEnv);
    const { value, errors } = strictCheck(FileWebhookDto, fields);
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
    return new RuleFileError(`MC_ALERT_RULES (${this.path}): ${where}: ${errors.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; ')}`);
  }

  /** Secrets and webhook URLs (which are secrets too, for Slack and Discord) can stay out of the file. */
  private variable(where: string, field: string, name: unknown): string {
    const value = typeof name === 'string' ? this.env[name] : undefined;
    if (!value) throw new RuleFileError(`MC_ALERT_RULES (${this.path}): ${where}: ${field} names the environment variable ${JSON.stringify(name)}, which is not set`);
    return value;
  }
}

function unique(key: string, entries: { id: string }[]): string | null {
  const seen = new Set<string>();
  for (const { id } of entries) {
    if (seen.has(id)) return `${key} has the id "${id}" twice`;
    seen.add(id);
  }
  return null;
}
