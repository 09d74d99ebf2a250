import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** TCP keep-alive of broker connections, as kafkajs's own factory sets it. */
const KEEP_ALIVE_DELAY_MS = 60_000;

/**
 * kafkajs's socket factory (plain or TLS, keep-alive) with every socket recorded until it closes. A request in flight
 * when a kafkajs client is disconnected can still open a broker connection afterwards, and that one socket keeps the
 * process alive; `destroyAll` at shutdown ends whatever is left, and any socket opened after it is ended at once.
 */
export class TrackedSockets {
  private readonly open = new Set<net.Socket>();
  private ended = false;

  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect({ host, port, ...(net.isIP(host) === 0 ? { servername: host } : {}), ...ssl }, onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    if (this.ended) socket.destroy();
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  destroyAll(): void {
    this.ended = true;
    for (const socket of this.open) socket.destroy();
  }
}
