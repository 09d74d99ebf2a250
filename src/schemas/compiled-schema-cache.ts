import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type CompiledSchema, compileSchema, type SchemaDocument, type SchemaType } from './schema-validation.js';

/** JSON with object keys sorted at every level: equal documents give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The cache key of a schema: its type and a hash of its canonical JSON. */
export function schemaContentKey(type: SchemaType, document: SchemaDocument): string {
  return createHash('sha256').update(type).update('\n').update(canonicalJson(document)).digest('hex');
}

/** Enough for every schema a busy service publishes against; the least recently used ones go first. */
const DEFAULT_CAPACITY = 512;

/**
 * Compiled validators keyed by schema content, not by schema name or uuid: a publish compiles nothing once its schema
 * was seen, and a schema changed by any replica has new content, so a stale validator can never be served.
 * Documents that fail to compile are not cached (they throw on every call).
 */
@Injectable()
export class CompiledSchemaCache {
  private readonly compiled = new Map<string, CompiledSchema>();
  private capacity = DEFAULT_CAPACITY;

  /** A cache holding at most `capacity` validators (tests). */
  static withCapacity(capacity: number): CompiledSchemaCache {
    const cache = new CompiledSchemaCache();
    cache.capacity = capacity;
    return cache;
  }

  get(type: SchemaType, document: SchemaDocument): CompiledSchema {
    const key = schemaContentKey(type, document);
    const hit = this.compiled.get(key);
    if (hit !== undefined) {
      // Re-inserting moves the entry to the end of the Map's order: the front is the least recently used.
      this.compiled.delete(key);
      this.compiled.set(key, hit);
      return hit;
    }
    const fresh = compileSchema(type, document);
    this.compiled.set(key, fresh);
    if (this.compiled.size > this.capacity) this.compiled.delete(this.compiled.keys().next().value as string);
    return fresh;
  }

  get size(): number {
    return this.compiled.size;
  }
}
