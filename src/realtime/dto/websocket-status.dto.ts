export class WebSocketStatusDto {
  /** Connected clients. */
  clients!: number;
  /** Frames sent to clients since start. */
  messages_sent!: number;
  /** Clients closed with 4008 for not reading fast enough. */
  slow_consumer_drops!: number;
  /** The last broadcast sequence number. */
  seq!: number;
  /** Changes when the server restarts; resuming across servers needs a reload. */
  server_id!: string;
  /** Broadcasts held for clients that resume (none until the first client connects). */
  replay_messages!: number;
  /** Their size in bytes, at most MC_WS_REPLAY_MAX_MB. */
  replay_bytes!: number;
}
