-- The attribution rollups and token_mix_daily move from the ingestion statement into the rollup
-- fold (src/server/rollups/fold-sql.ts). Until now ingestion counted every event in them at
-- insert time; from now on the fold adds each event once, when it folds it. The events inserted
-- but not folded yet are therefore already counted and would be counted again: take them out
-- (under the fold lock, so no fold runs meanwhile). first_seen/last_seen stay: the fold puts the
-- same events back, with the same timestamps.
SELECT pg_advisory_xact_lock(815004230);
--> statement-breakpoint
WITH x AS (
  SELECT e.project_id, d.dim, date_trunc('hour', e.ts, 'UTC') AS period, d.key, count(*) AS calls,
    count(*) FILTER (WHERE e.status = 'error') AS errors, count(*) FILTER (WHERE e.cost_source = 'unpriced') AS unpriced_calls,
    sum(e.input_tokens) AS input_tokens, sum(e.output_tokens) AS output_tokens, sum(e.cached_input_tokens) AS cached_input_tokens,
    sum(e.cache_write_tokens) AS cache_write_tokens, sum(e.reasoning_tokens) AS reasoning_tokens,
    coalesce(sum(e.cost_usd), 0) AS cost_usd, count(e.latency_ms) AS latency_count, coalesce(sum(e.latency_ms), 0) AS latency_sum_ms
  FROM unfolded_events() e
  CROSS JOIN LATERAL (
    SELECT 'user'::text AS dim, coalesce(e.user_id, '') AS key
    UNION ALL SELECT 'tag', t.tag FROM unnest(coalesce(nullif(e.tags, '{}'), ARRAY['']::text[])) AS t(tag)
    UNION ALL SELECT 'meta:' || k.key, coalesce(e.metadata ->> k.key, '') FROM promoted_metadata_keys k WHERE k.project_id = e.project_id
  ) d
  GROUP BY 1, 2, 3, 4
)
UPDATE attribution_hourly a SET calls = a.calls - x.calls, errors = a.errors - x.errors, unpriced_calls = a.unpriced_calls - x.unpriced_calls,
  input_tokens = a.input_tokens - x.input_tokens, output_tokens = a.output_tokens - x.output_tokens,
  cached_input_tokens = a.cached_input_tokens - x.cached_input_tokens, cache_write_tokens = a.cache_write_tokens - x.cache_write_tokens,
  reasoning_tokens = a.reasoning_tokens - x.reasoning_tokens, cost_usd = a.cost_usd - x.cost_usd,
  latency_count = a.latency_count - x.latency_count, latency_sum_ms = a.latency_sum_ms - x.latency_sum_ms
FROM x WHERE a.project_id = x.project_id AND a.dim = x.dim AND a.hour = x.period AND a.key = x.key;
--> statement-breakpoint
WITH x AS (
  SELECT e.project_id, d.dim, date_trunc('day', e.ts, 'UTC') AS period, d.key, count(*) AS calls,
    count(*) FILTER (WHERE e.status = 'error') AS errors, count(*) FILTER (WHERE e.cost_source = 'unpriced') AS unpriced_calls,
    sum(e.input_tokens) AS input_tokens, sum(e.output_tokens) AS output_tokens, sum(e.cached_input_tokens) AS cached_input_tokens,
    sum(e.cache_write_tokens) AS cache_write_tokens, sum(e.reasoning_tokens) AS reasoning_tokens,
    coalesce(sum(e.cost_usd), 0) AS cost_usd, count(e.latency_ms) AS latency_count, coalesce(sum(e.latency_ms), 0) AS latency_sum_ms
  FROM unfolded_events() e
  CROSS JOIN LATERAL (
    SELECT 'user'::text AS dim, coalesce(e.user_id, '') AS key
    UNION ALL SELECT 'tag', t.tag FROM unnest(coalesce(nullif(e.tags, '{}'), ARRAY['']::text[])) AS t(tag)
    UNION ALL SELECT 'meta:' || k.key, coalesce(e.metadata ->> k.key, '') FROM promoted_metadata_keys k WHERE k.project_id = e.project_id
  ) d
  GROUP BY 1, 2, 3, 4
)
UPDATE attribution_daily a SET calls = a.calls - x.calls, errors = a.errors - x.errors, unpriced_calls = a.unpriced_calls - x.unpriced_calls,
  input_tokens = a.input_tokens - x.input_tokens, output_tokens = a.output_tokens - x.output_tokens,
  cached_input_tokens = a.cached_input_tokens - x.cached_input_tokens, cache_write_tokens = a.cache_write_tokens - x.cache_write_tokens,
  reasoning_tokens = a.reasoning_tokens - x.reasoning_tokens, cost_usd = a.cost_usd - x.cost_usd,
  latency_count = a.latency_count - x.latency_count, latency_sum_ms = a.latency_sum_ms - x.latency_sum_ms
FROM x WHERE a.project_id = x.project_id AND a.dim = x.dim AND a.day = x.period AND a.key = x.key;
--> statement-breakpoint
-- max_input_tokens stays (a maximum cannot be taken back; the same events come back with the same sizes).
WITH x AS (
  SELECT e.project_id, date_trunc('day', e.ts, 'UTC') AS day, e.feature, e.provider, e.model, e.service_tier,
    width_bucket(e.input_tokens - 1, ARRAY[8192,16385,32000,40000,64000,128000,131072,140800,200000,220000,256000,272000,299200,400000,1000000,1047576,1048576,1050000,2000000]::int[]) AS band,
    count(*) AS calls, count(*) FILTER (WHERE e.cost_source = 'unpriced') AS unpriced_calls,
    count(*) FILTER (WHERE e.cost_source = 'reported') AS reported_calls, sum(e.input_tokens) AS input_tokens,
    sum(e.cached_input_tokens) AS cached_input_tokens, sum(e.cache_write_tokens) AS cache_write_tokens,
    sum(e.output_tokens) AS output_tokens, sum(e.reasoning_tokens) AS reasoning_tokens, coalesce(sum(e.cost_usd), 0) AS cost_usd,
    coalesce(sum(e.cost_usd) FILTER (WHERE e.cost_source = 'reported'), 0) AS reported_cost_usd
  FROM unfolded_events() e
  GROUP BY 1, 2, 3, 4, 5, 6, 7
)
UPDATE token_mix_daily m SET calls = m.calls - x.calls, unpriced_calls = m.unpriced_calls - x.unpriced_calls,
  reported_calls = m.reported_calls - x.reported_calls, input_tokens = m.input_tokens - x.input_tokens,
  cached_input_tokens = m.cached_input_tokens - x.cached_input_tokens, cache_write_tokens = m.cache_write_tokens - x.cache_write_tokens,
  output_tokens = m.output_tokens - x.output_tokens, reasoning_tokens = m.reasoning_tokens - x.reasoning_tokens,
  cost_usd = m.cost_usd - x.cost_usd, reported_cost_usd = m.reported_cost_usd - x.reported_cost_usd
FROM x WHERE m.project_id = x.project_id AND m.day = x.day AND m.feature = x.feature AND m.provider = x.provider
  AND m.model = x.model AND m.service_tier = x.service_tier AND m.band = x.band;
