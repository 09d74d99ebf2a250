import { ValidateBy, type ValidationOptions } from 'class-validator';

/** An object whose values are all strings: message attributes (spec 4.1). */
export function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.values(value).every((v) => typeof v === 'string'),
      },
    },
    options,
  );
}

/** A JSON string or number: AMS clients send counts as strings (`"10"`); numbers are accepted too. */
export function IsStringOrNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringOrNumber',
      validator: { validate: (value: unknown) => typeof value === 'string' || typeof value === 'number' },
    },
    options,
  );
}

/** A JSON string or boolean (`returnImmediately`). */
export function IsStringOrBoolean(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringOrBoolean',
      validator: { validate: (value: unknown) => typeof value === 'string' || typeof value === 'boolean' },
    },
    options,
  );
}

/** A whole number that fits Go's int64 handling of JSON numbers in the original (no fractions). */
export function IsWholeNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWholeNumber',
      validator: { validate: (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) },
    },
    options,
  );
}
