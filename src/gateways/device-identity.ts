import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The file of Mission Control's device identity in MC_DATA_DIR. Backups never copy MC_DATA_DIR itself
 * (only the workspace's sources and a copy of the database), so the key stays on this machine.
 */
export const IDENTITY_FILE = 'gateway-identity.json';

interface StoredIdentity {
  version: 1;
  deviceId: string;
  publicKeyPem: string;
  privateKeyPem: string;
  createdAt: string;
  /** Device tokens the gateways issued once the device was paired, by `<gateway id>/<role>`. */
  tokens: Record<string, { token: string; scopes: string[] }>;
}

/**
 * Mission Control's Ed25519 device identity towards OpenClaw gateways, created once (mode 0600, written
 * atomically) and kept: deviceId is the SHA-256 hex of the raw public key, as OpenClaw computes it.
 */
export class DeviceIdentity {
  private constructor(
    private readonly file: string,
    private stored: StoredIdentity,
  ) {}

  /** Reads the identity in `dataDir`, or creates it. A file with a wider mode is narrowed to 0600. */
  static loadOrCreate(dataDir: string): DeviceIdentity {
    const file = join(dataDir, IDENTITY_FILE);
    let info;
    try {
      info = statSync(file);
    } catch {
      info = null;
    }
    if (info) {
      if (!info.isFile()) throw new Error(`${file} is not a regular file`);
      if ((info.mode & 0o077) !== 0) chmodSync(file, 0o600);
      const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredIdentity;
      if (!stored.deviceId || !stored.privateKeyPem || !stored.publicKeyPem)
        throw new Error(`${file} does not hold a device identity`);
      stored.tokens ??= {};
      return new DeviceIdentity(file, stored);
    }
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
    const identity = new DeviceIdentity(file, {
      version: 1,
      deviceId: createHash('sha256').update(raw).digest('hex'),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      createdAt: new Date().toISOString(),
      tokens: {},
    });
    mkdirSync(dataDir, { recursive: true });
    identity.save();
    return identity;
  }

  get deviceId(): string {
    return this.stored.deviceId;
  }

  /** What GatewayClient's `deviceIdentity` takes. */
  get keys(): { deviceId: string; publicKeyPem: string; privateKeyPem: string } {
    const { deviceId, publicKeyPem, privateKeyPem } = this.stored;
    return { deviceId, publicKeyPem, privateKeyPem };
  }

  /** GatewayClient's host dependencies for one gateway: signing, and that gateway's device token. */
  hostDeps(gatewayId: string) {
    const key = (role: string) => `${gatewayId}/${role}`;
    return {
      signDevicePayload: (pem: string, payload: string) =>
        sign(null, Buffer.from(payload, 'utf8'), createPrivateKey(pem)).toString('base64url'),
      publicKeyRawBase64UrlFromPem: (pem: string) =>
        createPublicKey(pem).export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64url'),
      loadDeviceAuthToken: ({ deviceId, role }: { deviceId: string; role: string }) => {
        const entry = deviceId === this.deviceId ? this.stored.tokens[key(role)] : undefined;
        return entry ? { token: entry.token, scopes: entry.scopes } : null;
      },
      storeDeviceAuthToken: ({
        deviceId,
        role,
        token,
        scopes,
      }: {
        deviceId: string;
        role: string;
        token: string;
        scopes: string[];
      }) => {
        if (deviceId !== this.deviceId) return;
        this.stored.tokens[key(role)] = { token, scopes };
        this.save();
      },
      clearDeviceAuthToken: ({ deviceId, role }: { deviceId: string; role: string }) => {
        if (deviceId !== this.deviceId || !this.stored.tokens[key(role)]) return;
        delete this.stored.tokens[key(role)];
        this.save();
      },
    };
  }

  /** Written whole to a temporary file with mode 0600, then renamed over the old one. */
  private save(): void {
    const temp = `${this.file}.${randomUUID()}.tmp`;
    writeFileSync(temp, JSON.stringify(this.stored, null, 2), { mode: 0o600, flag: 'wx' });
    renameSync(temp, this.file);
  }
}
