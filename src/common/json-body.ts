import { type ArgumentMetadata, Injectable, type PipeTransform, type Type as ClassType } from '@nestjs/common';
import { Type } from 'class-transformer';
import { getMetadataStorage, IsObject, ValidateNested, validateSync } from 'class-validator';
import { AmsError } from './ams-error.js';

/** A body that was sent but is not JSON. The route's own error message is decided later, by its DTO. */
export class InvalidJson {
  constructor(readonly reason: string) {}
}

/**
 * Request bodies are JSON whatever their Content-Type (spec 1.3: the Python client sends none). Empty is `undefined`,
 * which each DTO treats as its route requires.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return new InvalidJson((err as Error).message);
  }
}

export interface BodyRules {
  /** The route's parse-failure error (spec 1.9: `Invalid Message Arguments`, `Invalid Request Body`, ...). */
  readonly invalid: () => AmsError;
  /** Whether an empty body means `{}` (topic create, attachSchema); everywhere else it is a parse failure. */
  readonly emptyIsObject?: boolean;
}

const RULES = new WeakMap<object, BodyRules>();
const NESTED = new WeakMap<object, Map<string, () => ClassType>>();

/** Marks a class as a request body with the AMS parse rules of its route. */
export function JsonBody(rules: BodyRules): ClassDecorator {
  return (target) => {
    RULES.set(target, rules);
  };
}

/** A nested object (or array of them) decoded with the same case-insensitive rules as its parent. */
export function Nested(type: () => ClassType, options: { each?: boolean } = {}): PropertyDecorator {
  return (target, property) => {
    const map = NESTED.get(target.constructor) ?? new Map<string, () => ClassType>();
    map.set(String(property), type);
    NESTED.set(target.constructor, map);
    ValidateNested({ each: options.each ?? false })(target, property);
    // ValidateNested alone accepts an array where one object is declared; Go's decoder refuses it.
    if (!options.each) IsObject()(target, property);
    Type(type)(target, property);
  };
}

/** The longest free text a body may carry, in characters (AMS_MAX_TEXT_CHARS, AMS_MAX_DESCRIPTION_CHARS). */
export interface TextLimits {
  /** Names, e-mail addresses, organizations: AMS_MAX_TEXT_CHARS. */
  readonly short: number;
  /** Descriptions and comments: AMS_MAX_DESCRIPTION_CHARS. */
  readonly long: number;
}

const FREE_TEXT = new WeakMap<object, Map<string, keyof TextLimits>>();

/**
 * A free-text field (spec 8.12): at most AMS_MAX_TEXT_CHARS (`short`: names, e-mail, organization) or
 * AMS_MAX_DESCRIPTION_CHARS (`long`: descriptions, comments) characters, so no client can store megabytes that every
 * list then returns.
 */
export function FreeText(kind: keyof TextLimits): PropertyDecorator {
  return (target, property) => {
    const map = FREE_TEXT.get(target.constructor) ?? new Map<string, keyof TextLimits>();
    map.set(String(property), kind);
    FREE_TEXT.set(target.constructor, map);
  };
}

/** Throws a 400 naming the first free-text field of a decoded body that is longer than its limit. */
export function checkTextLimits(body: object, target: ClassType, limits: TextLimits): void {
  for (let type: unknown = target; typeof type === 'function'; type = Object.getPrototypeOf(type)) {
    for (const [property, kind] of FREE_TEXT.get(type as object) ?? []) {
      const value = (body as Record<string, unknown>)[property];
      if (typeof value === 'string' && value.length > limits[kind]) {
        throw AmsError.invalid(`Field ${property} is longer than ${limits[kind]} characters`);
      }
    }
  }
}

const DECLARED = new WeakMap<object, Map<string, string>>();

/** Declared properties of a DTO by lower-cased name; cached, since bodies are decoded on every request. */
function declaredProperties(target: ClassType): Map<string, string> {
  let declared = DECLARED.get(target);
  if (declared === undefined) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
    declared = new Map(metadata.map((m) => [m.propertyName.toLowerCase(), m.propertyName]));
    DECLARED.set(target, declared);
  }
  return declared;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Nested properties of a DTO, including those its base classes declare (CreateUserDto extends UserFieldsDto). */
function nestedOf(target: ClassType): Map<string, () => ClassType> | undefined {
  let merged: Map<string, () => ClassType> | undefined;
  for (let type: unknown = target; typeof type === 'function'; type = Object.getPrototypeOf(type)) {
    for (const [property, nestedType] of NESTED.get(type as object) ?? []) {
      merged ??= new Map();
      if (!merged.has(property)) merged.set(property, nestedType);
    }
  }
  return merged;
}

/**
 * Go `encoding/json` semantics, which AMS clients rely on: keys match the declared fields case-insensitively (clients
 * send `ackIds` for a field declared `AckIds`), unknown keys are ignored and `null` means absent.
 */
export function normalizeKeys(value: Record<string, unknown>, target: ClassType): Record<string, unknown> {
  const declared = declaredProperties(target);
  const nested = nestedOf(target);
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    const property = declared.get(key.toLowerCase());
    if (property === undefined || raw === null) continue;
    if (property !== key && key in out) continue; // an exact-case key wins over a case-folded one
    const nestedType = nested?.get(property);
    out[property] = nestedType === undefined ? raw : normalizeNested(raw, nestedType());
  }
  return out;
}

function normalizeNested(raw: unknown, type: ClassType): unknown {
  if (Array.isArray(raw)) return raw.map((item) => (isPlainObject(item) ? toInstance(normalizeKeys(item, type), type) : item));
  return isPlainObject(raw) ? toInstance(normalizeKeys(raw, type), type) : raw;
}

/**
 * The DTO instance class-validator needs. Not class-transformer's plainToInstance: it also walks free-form maps
 * (message attributes), dropping keys such as `toString` or `__proto__` and throwing on `constructor`.
 */
function toInstance<T extends object>(plain: Record<string, unknown>, type: ClassType<T>): T {
  return Object.assign(new type(), plain);
}

/** Decodes a raw body into its DTO or throws the route's parse error. */
export function decodeBody<T extends object>(raw: unknown, target: ClassType<T>): T {
  const rules = RULES.get(target);
  if (rules === undefined) throw new Error(`${target.name} has no @JsonBody rules`);
  if (raw instanceof InvalidJson) throw rules.invalid();
  let value = raw;
  if (value === undefined && rules.emptyIsObject) value = {};
  if (value === null) value = {}; // Go decodes `null` into a struct as a no-op
  if (!isPlainObject(value)) throw rules.invalid();
  const instance = toInstance(normalizeKeys(value, target), target);
  const errors = validateSync(instance, { forbidUnknownValues: false, validationError: { target: false } });
  if (errors.length > 0) throw rules.invalid();
  return instance;
}

/** The global pipe for `@Body()`: every DTO class carries its own rules. */
@Injectable()
export class JsonBodyPipe implements PipeTransform {
  constructor(private readonly limits: TextLimits) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || metadata.metatype === undefined || !RULES.has(metadata.metatype)) return value;
    const body = decodeBody(value, metadata.metatype as ClassType<object>);
    checkTextLimits(body, metadata.metatype, this.limits);
    return body;
  }
}
