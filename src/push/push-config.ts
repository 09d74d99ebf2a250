import { AmsError } from '../common/ams-error.js';
import type { PushConfigRecord, PushType } from '../storage/ports/records.js';
import type { PushConfigInDto, PushConfigOutDto } from './dto/push-config.dto.js';

const DEFAULT_RETRY_PERIOD_MS = 3000;

/** An absent or zero-valued pushConfig turns a subscription (back) into a pull subscription (spec 4.6). */
export function isEmptyPushConfig(input: PushConfigInDto | undefined): boolean {
  if (input === undefined) return true;
  return !input.type && !input.pushEndpoint && !input.mattermostUrl;
}

/** Operator rules on push URLs (AMS_PUSH_ALLOW_HTTP). */
export interface PushUrlRules {
  readonly allowHttp: boolean;
}

const HTTPS_ONLY: PushUrlRules = { allowHttp: false };

function isPushUrl(text: string, rules: PushUrlRules): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || (rules.allowHttp && url.protocol === 'http:')) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The URL a push config sends to: the endpoint, or the Mattermost webhook. */
export function pushTargetUrl(config: PushConfigRecord): string {
  return config.type === 'mattermost' ? config.mattermostUrl : config.pushEndpoint;
}

/**
 * The stored push config for a create (previous null) or a modify, by the rules of spec 4.6. `newSecret` makes
 * verification hashes and autogen header values. Pure apart from that.
 */
export function resolvePushConfig(
  input: PushConfigInDto | undefined,
  previous: PushConfigRecord | null,
  newSecret: () => string,
  rules: PushUrlRules = HTTPS_ONLY,
): PushConfigRecord | null {
  if (isEmptyPushConfig(input) || input === undefined) return null;
  // argo-ams-library (1.0) sends a pushEndpoint without `type`; an endpoint alone can only mean http_endpoint.
  if (!input.type && input.pushEndpoint) input = { ...input, type: 'http_endpoint' };
  if (input.type !== 'http_endpoint' && input.type !== 'mattermost') {
    throw AmsError.invalid("Push configuration type can only be of 'http_endpoint' or 'mattermost'");
  }
  const type: PushType = input.type;
  const pushEndpoint = input.pushEndpoint ?? '';
  if (type === 'http_endpoint' && !isPushUrl(pushEndpoint, rules)) {
    throw AmsError.invalid('Push endpoint should be addressed by a valid https url');
  }
  const retryType = input.retryPolicy?.type || 'linear';
  if (retryType !== 'linear' && retryType !== 'slowstart') {
    throw AmsError.invalid("Retry policy can only be of 'linear' or 'slowstart' type");
  }
  const headerType = input.authorizationHeader?.type || previous?.authorizationHeader.type || 'autogen';
  if (headerType !== 'autogen' && headerType !== 'disabled') {
    throw AmsError.invalid("Authorization header type can only be of 'autogen' or 'disabled' type");
  }
  if (type === 'mattermost' && !input.mattermostUrl) throw AmsError.invalid('Field mattermostUrl cannot be empty');
  // The original leaves mattermostUrl unchecked; we send to it, so it obeys the same https rule as endpoints.
  if (type === 'mattermost' && !isPushUrl(input.mattermostUrl ?? '', rules)) {
    throw AmsError.invalid('Push endpoint should be addressed by a valid https url');
  }

  // Same endpoint keeps its verification; a new endpoint must be verified again. Mattermost needs no verification.
  const sameEndpoint = previous !== null && previous.type === type && previous.pushEndpoint === pushEndpoint;
  const keepsVerification = type === 'http_endpoint' && sameEndpoint;
  const period = (input.retryPolicy?.period ?? 0) > 0 ? (input.retryPolicy?.period as number) : DEFAULT_RETRY_PERIOD_MS;
  const maxMessages = (input.maxMessages ?? 0) > 0 ? (input.maxMessages as number) : (previous?.maxMessages ?? 1);
  // An explicit `autogen` mints a new value on every call; an omitted type keeps the previous value (spec 4.6).
  const headerValue =
    headerType === 'disabled'
      ? ''
      : input.authorizationHeader?.type === 'autogen' || !previous?.authorizationHeader.value
        ? newSecret()
        : previous.authorizationHeader.value;
  return {
    type,
    pushEndpoint: type === 'http_endpoint' ? pushEndpoint : '',
    maxMessages,
    authorizationHeader: { type: headerType, value: headerValue },
    retryPolicy: { type: retryType, period: retryType === 'linear' ? period : DEFAULT_RETRY_PERIOD_MS },
    verificationHash: type === 'http_endpoint' ? (keepsVerification ? previous.verificationHash : newSecret()) : '',
    verified: type === 'mattermost' || (keepsVerification && previous.verified),
    mattermostUrl: type === 'mattermost' ? (input.mattermostUrl ?? '') : '',
    mattermostUsername: input.mattermostUsername ?? '',
    mattermostChannel: input.mattermostChannel ?? '',
    base64Decode: input.base64Decode ?? false,
  };
}

/** The wire form: zero values for pull subscriptions; `period` always present for push (spec 8.8). */
export function pushConfigView(config: PushConfigRecord | null): PushConfigOutDto {
  if (config === null) {
    return {
      type: '',
      pushEndpoint: '',
      maxMessages: 0,
      authorizationHeader: {},
      retryPolicy: {},
      verificationHash: '',
      verified: false,
      mattermostUrl: '',
      mattermostUsername: '',
      mattermostChannel: '',
      base64Decode: false,
    };
  }
  return {
    type: config.type,
    pushEndpoint: config.pushEndpoint,
    maxMessages: config.maxMessages > 0 ? config.maxMessages : 1,
    authorizationHeader:
      config.authorizationHeader.type === 'disabled'
        ? { type: 'disabled' }
        : { type: config.authorizationHeader.type, value: config.authorizationHeader.value },
    retryPolicy: { type: config.retryPolicy.type, period: config.retryPolicy.period },
    verificationHash: config.verificationHash,
    verified: config.verified,
    mattermostUrl: config.mattermostUrl,
    mattermostUsername: config.mattermostUsername,
    mattermostChannel: config.mattermostChannel,
    base64Decode: config.base64Decode,
  };
}
