import pg from 'pg';
import type { Logger } from '../logger.js';

/**
 * FerretDB 1.24 sends an equality on a top-level field to PostgreSQL as
 * `_jsonb->'field' @> value`. The btree indexes it creates for the declared indexes cannot serve
 * `@>`, so every such query would read the whole table. A GIN expression index with
 * `jsonb_path_ops` on the same fields can: each btree index FerretDB makes gets a GIN "twin" on
 * its top-level fields (dotted paths are never pushed down, so they are left out). A multicolumn
 * GIN index serves a query on any subset of its columns.
 *
 * The twins are made by PostgreSQL itself: an event trigger makes one whenever FerretDB creates
 * an index (at a collection's creation for `_id`, and on every createIndexes), and drops it with
 * its btree. A sweep at start makes the ones missing (a cluster made before this code, or a
 * PostgreSQL where we may not create event triggers). A twin dies with its table when FerretDB
 * drops the collection.
 */
const installSql = `
CREATE OR REPLACE FUNCTION kompeten_gin_twin_name(btree text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT left(regexp_replace(btree, '_idx$', ''), 59) || '_gin'
$$;

CREATE OR REPLACE FUNCTION kompeten_make_gin_twin(btree oid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  info record;
  columns text[] := '{}';
  expression text;
  k int;
BEGIN
  SELECT i.indrelid, i.indnkeyatts, c.relname, n.nspname, a.amname
    INTO info
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_am a ON a.oid = c.relam
   WHERE i.indexrelid = btree;
  IF NOT FOUND OR info.amname <> 'btree' OR info.relname LIKE '%\\_gin' THEN RETURN; END IF;
  FOR k IN 1..info.indnkeyatts LOOP
    expression := pg_get_indexdef(btree, k, true);
    -- (_jsonb -> 'field'::text): a top-level field, the only kind FerretDB pushes down.
    IF expression ~ '^\\(?_jsonb -> ''[^'']*''(::text)?\\)?$' THEN
      columns := columns || format('(%s) jsonb_path_ops', expression);
    END IF;
  END LOOP;
  IF cardinality(columns) = 0 THEN RETURN; END IF;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin (%s)',
    kompeten_gin_twin_name(info.relname), info.nspname,
    (SELECT relname FROM pg_class WHERE oid = info.indrelid), array_to_string(columns, ', '));
END $$;

CREATE OR REPLACE FUNCTION kompeten_gin_twins_on_create() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE created record;
BEGIN
  FOR created IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    PERFORM kompeten_make_gin_twin(created.objid);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION kompeten_gin_twins_on_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE dropped record;
BEGIN
  FOR dropped IN SELECT schema_name, object_name FROM pg_event_trigger_dropped_objects()
                  WHERE object_type = 'index' AND object_name NOT LIKE '%\\_gin' LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I.%I', dropped.schema_name, kompeten_gin_twin_name(dropped.object_name));
  END LOOP;
END $$;
`;

const triggerSql = `
DROP EVENT TRIGGER IF EXISTS kompeten_gin_twins_on_create;
CREATE EVENT TRIGGER kompeten_gin_twins_on_create ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION kompeten_gin_twins_on_create();
DROP EVENT TRIGGER IF EXISTS kompeten_gin_twins_on_drop;
CREATE EVENT TRIGGER kompeten_gin_twins_on_drop ON sql_drop WHEN TAG IN ('DROP INDEX')
  EXECUTE FUNCTION kompeten_gin_twins_on_drop();
`;

/** Every btree index on a FerretDB table (one with a `_jsonb` column) that has no twin yet. */
const sweepSql = `
SELECT kompeten_make_gin_twin(i.indexrelid)
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = '_jsonb' AND NOT a.attisdropped
 WHERE ic.relname NOT LIKE '%\\_gin'
   AND NOT EXISTS (SELECT 1 FROM pg_class t WHERE t.relname = kompeten_gin_twin_name(ic.relname)
                     AND t.relnamespace = ic.relnamespace)
`;

/**
 * Installs the twin functions and, where the account may, the event triggers; then makes the
 * twins that are missing. Idempotent; safe to run at every start and after creating indexes.
 */
export async function ensureGinTwins(postgresUrl: string, log: Logger): Promise<{ triggers: boolean }> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    // Serialise with other processes doing the same (two app starts, tests in parallel).
    await client.query('SELECT pg_advisory_lock(4021177)');
    await client.query(installSql);
    let triggers = true;
    try {
      await client.query(triggerSql);
    } catch (error) {
      triggers = false;
      log.warn(
        { err: (error as Error).message },
        'PostgreSQL refused the event triggers that index new collections (the account is not a superuser): ' +
          'indexes are completed at each start instead',
      );
    }
    await client.query(sweepSql);
    return { triggers };
  } finally {
    await client.end();
  }
}

/** Makes the twins missing now (after a sweep-less account created collections). */
export async function sweepGinTwins(postgresUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(sweepSql);
  } finally {
    await client.end();
  }
}
