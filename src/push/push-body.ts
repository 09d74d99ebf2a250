import type { PushConfigRecord } from '../storage/ports/records.js';

/** A message as the pull of the push worker returned it (the wire form of spec 4.2). */
export interface PushedMessage {
  readonly messageId: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly data: string;
  readonly publishTime: string;
}

/** One outbound push request: where, which headers, which JSON body (spec 4.6). */
export interface PushRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Status codes that count as delivered. */
  readonly success: readonly number[];
}

const HTTP_SUCCESS = [200, 201, 204, 102] as const;
const MATTERMOST_SUCCESS = [200] as const;

/** `subscription /projects/P/subscriptions/S from HOST:PORT`: the pushed `subscription` field (spec 5.3). */
export function pushedSubscriptionName(project: string, subscription: string, origin: string): string {
  return `subscription /projects/${project}/subscriptions/${subscription} from ${origin}`;
}

/**
 * `base64Decode`: the data as the publisher meant it. Data that is not valid base64 is pushed as it is (spec 4.6),
 * which is also what makes the option safe on topics whose publishers send plain text.
 */
export function decodedData(data: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) return data;
  return Buffer.from(data, 'base64').toString('utf8');
}

function envelopeMessage(message: PushedMessage, base64Decode: boolean): Record<string, unknown> {
  return {
    messageId: message.messageId,
    // Receivers index `attributes` directly; the pushed form always carries the key, {} when there are none.
    attributes: message.attributes ?? {},
    data: base64Decode ? decodedData(message.data) : message.data,
    publishTime: message.publishTime,
  };
}

/**
 * The request that delivers `messages` (in order, at least one) for a subscription with this push config.
 * http_endpoint: one `{"message", "subscription"}` when maxMessages is 1, else `{"messages": [...]}` even for fewer;
 * `Authorization: <value>` raw unless disabled. mattermost: `{"text", "username"?, "channel"?}` with the first
 * message's data.
 */
export function pushRequest(
  config: PushConfigRecord,
  messages: readonly PushedMessage[],
  subscriptionName: string,
): PushRequest {
  if (config.type === 'mattermost') {
    const first = messages[0];
    const text = config.base64Decode ? decodedData(first.data) : first.data;
    return {
      url: config.mattermostUrl,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        text,
        ...(config.mattermostUsername ? { username: config.mattermostUsername } : {}),
        ...(config.mattermostChannel ? { channel: config.mattermostChannel } : {}),
      }),
      success: MATTERMOST_SUCCESS,
    };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.authorizationHeader.type !== 'disabled' && config.authorizationHeader.value !== '') {
    headers.authorization = config.authorizationHeader.value;
  }
  const single = config.maxMessages <= 1;
  const envelope = (m: PushedMessage) => ({ message: envelopeMessage(m, config.base64Decode), subscription: subscriptionName });
  const body = single ? envelope(messages[0]) : { messages: messages.map(envelope) };
  return { url: config.pushEndpoint, headers, body: JSON.stringify(body), success: HTTP_SUCCESS };
}

/** `https://host[:port]/ams_verification_hash` of a push endpoint: its path and query are dropped (spec 4.6). */
export function verificationUrl(pushEndpoint: string): string {
  const url = new URL(pushEndpoint);
  return `${url.protocol}//${url.host}/ams_verification_hash`;
}
