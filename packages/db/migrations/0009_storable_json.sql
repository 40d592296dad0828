-- Rows written before every API string had to be storable text may hold a NUL in a json column
-- (json keeps the \u0000 escape; jsonb and text refuse it), which today's contracts refuse when the
-- row is read back: the agent, version or session would answer 500. Each unescaped \u0000 becomes
-- \ufffd (U+FFFD, as the runtime's toStorable does), leaving a literal backslash-u text alone; the
-- loop catches adjacent ones the previous pass stepped over.
DO $$
DECLARE
  nul text := '(^|[^\\])((\\\\)*)\\u0000';
  fffd text := '\1\2\\ufffd';
  target text[];
  changed bigint;
BEGIN
  FOREACH target SLICE 1 IN ARRAY ARRAY[
    ['agents', 'config'], ['agent_versions', 'snapshot'], ['tools', 'headers_schema'], ['tools', 'body_schema'],
    ['sessions', 'variables'], ['session_runtime_events', 'detail'], ['session_tool_calls', 'request'], ['session_tool_calls', 'response']
  ] LOOP
    FOR i IN 1..100 LOOP
      EXECUTE format('UPDATE %I SET %I = regexp_replace(%I::text, $1, $2, ''g'')::json WHERE %I::text ~ $1', target[1], target[2], target[2], target[2]) USING nul, fffd;
      -- EXECUTE leaves FOUND alone: the row count says whether this pass changed anything.
      GET DIAGNOSTICS changed = ROW_COUNT;
      EXIT WHEN changed = 0;
    END LOOP;
  END LOOP;
END $$;
