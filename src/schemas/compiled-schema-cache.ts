import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import {
  type CompiledSchema,
  compileSchema,
  refuseDeepDocument,
  type SchemaDocument,
  type SchemaType,
} from './schema-validation.js';

/**
 * JSON with object keys sorted at every level: equal documents give equal text whatever their key order. A document
 * nested deeper than `maxDepth` is refused (SchemaCompileError) before the recursive walk starts.
 */
export function canonicalJson(value: unknown, maxDepth: number): string {
  refuseDeepDocument(value, maxDepth);
  return canonical(value);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The cache key of a schema: its type and a hash of its canonical JSON. */
export function schemaContentKey(type: SchemaType, document: SchemaDocument, maxDepth: number): string {
  return createHash('sha256').update(type).update('\n').update(canonicalJson(document, maxDepth)).digest('hex');
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
  /** AMS_SCHEMA_MAX_DEPTH: the nesting limit of schema documents and of the data checked against them. */
  private readonly maxDepth: number;

  constructor(@Inject(AMS_CONFIG) config: Pick<AmsConfig, 'schemaMaxDepth'>) {
    this.maxDepth = config.schemaMaxDepth;
  }

  /** A cache holding at most `capacity` validators (tests). */
  static withCapacity(capacity: number, schemaMaxDepth = 64): CompiledSchemaCache {
    const cache = new CompiledSchemaCache({ schemaMaxDepth });
    cache.capacity = capacity;
    return cache;
  }

  get(type: SchemaType, document: SchemaDocument): CompiledSchema {
    const key = schemaContentKey(type, document, this.maxDepth);
    const hit = this.compiled.get(key);
    if (hit !== undefined) {
      // Re-inserting moves the entry to the end of the Map's order: the front is the least recently used.
      this.compiled.delete(key);
      this.compiled.set(key, hit);
      return hit;
    }
    const fresh = compileSchema(type, document, this.maxDepth);
    this.compiled.set(key, fresh);
    if (this.compiled.size > this.capacity) this.compiled.delete(this.compiled.keys().next().value as string);
    return fresh;
  }

  get size(): number {
    return this.compiled.size;
  }
}
