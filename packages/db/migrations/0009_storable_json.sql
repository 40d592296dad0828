-- Rows written before every API string had to be storable text may hold a NUL in a json column
-- (json keeps the \u0000 escape; jsonb and text refuse it), which today's contracts refuse when the
-- row is read back: the agent, version or session would answer 500. Each unescaped \u0000 becomes
-- \ufffd (U+FFFD, as the runtime's toStorable does), leaving a literal backslash-u text alone; the
-- loop catches adjacent ones the previous pass stepped over.
DO $$
DECLARE
  nul text := '(^|[^\\])((\\\\)*)\\u0000';
  fffd text := '\1\2\\ufffd';
BEGIN
  FOR i IN 1..100 LOOP
    UPDATE "agents" SET "config" = regexp_replace("config"::text, nul, fffd, 'g')::json WHERE "config"::text ~ nul;
    EXIT WHEN NOT FOUND;
  END LOOP;
  FOR i IN 1..100 LOOP
    UPDATE "agent_versions" SET "snapshot" = regexp_replace("snapshot"::text, nul, fffd, 'g')::json WHERE "snapshot"::text ~ nul;
    EXIT WHEN NOT FOUND;
  END LOOP;
  FOR i IN 1..100 LOOP
    UPDATE "tools" SET "headers_schema" = regexp_replace("headers_schema"::text, nul, fffd, 'g')::json WHERE "headers_schema"::text ~ nul;
    EXIT WHEN NOT FOUND;
  END LOOP;
  FOR i IN 1..100 LOOP
    UPDATE "tools" SET "body_schema" = regexp_replace("body_schema"::text, nul, fffd, 'g')::json WHERE "body_schema"::text ~ nul;
    EXIT WHEN NOT FOUND;
  END LOOP;
  FOR i IN 1..100 LOOP
    UPDATE "sessions" SET "variables" = regexp_replace("variables"::text, nul, fffd, 'g')::json WHERE "variables"::text ~ nul;
    EXIT WHEN NOT FOUND;
  END LOOP;
  FOR i IN 1..100 LOOP
    UPDATE "session_runtime_events" SET "detail" = regexp_replace("detail"::text, nul, fffd, 'g')::json WHERE "detail"::text ~ nul;
    EXIT WHEN NOT FOUND;
  END LOOP;
  FOR i IN 1..100 LOOP
    UPDATE "session_tool_calls" SET "request" = regexp_replace("request"::text, nul, fffd, 'g')::json WHERE "request"::text ~ nul;
    EXIT WHEN NOT FOUND;
  END LOOP;
  FOR i IN 1..100 LOOP
    UPDATE "session_tool_calls" SET "response" = regexp_replace("response"::text, nul, fffd, 'g')::json WHERE "response"::text ~ nul;
    EXIT WHEN NOT FOUND;
  END LOOP;
END $$;
