import type * as GatewayClientPackage from '@openclaw/gateway-client';

export type GatewayClientModule = typeof GatewayClientPackage;

let loaded: { module: GatewayClientModule } | { error: string } | null = null;

/**
 * @openclaw/gateway-client, loaded on first use: it ships only ES modules, which CommonJS may require from
 * Node 20.19 on. On an older Node the error is kept for health to show, and nothing else fails.
 */
export function loadGatewayClient(): { module: GatewayClientModule } | { error: string } {
  if (loaded) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = { module: require('@openclaw/gateway-client') as GatewayClientModule };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    loaded = {
      error:
        code === 'ERR_REQUIRE_ESM'
          ? `OpenClaw's gateway client needs Node >= 20.19 (this is ${process.version}); gateways are off`
          : `OpenClaw's gateway client could not be loaded (${code ?? (error as Error).message}); gateways are off`,
    };
  }
  return loaded;
}
