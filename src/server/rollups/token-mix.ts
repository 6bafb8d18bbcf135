import "server-only";
import { TOKEN_BANDS_SQL } from "~/lib/token-bands";

/*
 * token_mix_daily maintenance — every statement that writes it is here.
 *
 * Two writers: the rollup fold (TOKEN_MIX_FOLD, one of FOLD_TARGETS in fold-sql.ts, reading
 * `fresh`: the newly folded events with their `day`) and repricing (TOKEN_MIX_REPRICE_DELTA, a CTE
 * reading `folded`: the repriced events already in the rollups, with old and new cost). Both only
 * add, so they commute. Readers add the unfolded tail grouped the same way (TOKEN_MIX_TAIL_GROUP,
 * src/features/insights/server/mix.ts).
 */

/** The band of a row's prompt size: must equal tokenBand() in src/lib/token-bands.ts. */
export const TOKEN_BAND_SQL = (alias = "") => `width_bucket(${alias}input_tokens - 1, ${TOKEN_BANDS_SQL})`;

const KEY = "day, feature, provider, model, service_tier, band";

/** The fold: adds the newly folded events (`fresh`, with `day`) to the rollup, in key order. */
export const TOKEN_MIX_FOLD = `token_mix_up AS (
  INSERT INTO token_mix_daily AS m (project_id, ${KEY}, calls, unpriced_calls, reported_calls, input_tokens,
    cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, max_input_tokens, cost_usd, reported_cost_usd)
  SELECT project_id, day, feature, provider, model, service_tier, ${TOKEN_BAND_SQL()} AS band, count(*),
    count(*) FILTER (WHERE cost_source = 'unpriced'), count(*) FILTER (WHERE cost_source = 'reported'),
    sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
    max(input_tokens), coalesce(sum(cost_usd), 0), coalesce(sum(cost_usd) FILTER (WHERE cost_source = 'reported'), 0)
  FROM fresh GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (project_id, ${KEY}) DO UPDATE SET
    calls = m.calls + excluded.calls, unpriced_calls = m.unpriced_calls + excluded.unpriced_calls,
    reported_calls = m.reported_calls + excluded.reported_calls, input_tokens = m.input_tokens + excluded.input_tokens,
    cached_input_tokens = m.cached_input_tokens + excluded.cached_input_tokens,
    cache_write_tokens = m.cache_write_tokens + excluded.cache_write_tokens,
    output_tokens = m.output_tokens + excluded.output_tokens, reasoning_tokens = m.reasoning_tokens + excluded.reasoning_tokens,
    max_input_tokens = greatest(m.max_input_tokens, excluded.max_input_tokens),
    cost_usd = m.cost_usd + excluded.cost_usd, reported_cost_usd = m.reported_cost_usd + excluded.reported_cost_usd
  RETURNING 1
)`;

/**
 * Repricing: the cost and unpriced-count deltas of the repriced events already folded (`folded`:
 * ts, feature, model, provider, service_tier, input_tokens, old/new cost and source); the fold adds
 * the others at their new cost. Reported events are never repriced, so reported_* do not move.
 */
export const TOKEN_MIX_REPRICE_DELTA = `token_mix_d AS (
  SELECT date_trunc('day', ts, 'UTC') AS day, feature, provider, model, service_tier, ${TOKEN_BAND_SQL()} AS band,
    sum(coalesce(new_cost, 0) - coalesce(old_cost, 0)) AS dcost,
    count(*) FILTER (WHERE new_src = 'unpriced') - count(*) FILTER (WHERE old_src = 'unpriced') AS dunpriced
  FROM folded GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
),
token_mix_up AS (
  UPDATE token_mix_daily m SET cost_usd = m.cost_usd + d.dcost, unpriced_calls = m.unpriced_calls + d.dunpriced
  FROM token_mix_d d WHERE m.project_id = $1::uuid AND m.day = d.day AND m.feature = d.feature AND m.provider = d.provider
    AND m.model = d.model AND m.service_tier = d.service_tier AND m.band = d.band
  RETURNING 1
)`;

/** The rollup's columns grouped from cost_events-shaped rows `e` (the unfolded tail), as the fold groups them. */
export const TOKEN_MIX_TAIL_COLUMNS = `date_trunc('day', e.ts, 'UTC') AS day, e.feature, e.provider, e.model, e.service_tier,
  ${TOKEN_BAND_SQL("e.")} AS band, count(*) AS calls, count(*) FILTER (WHERE e.cost_source = 'unpriced') AS unpriced_calls,
  count(*) FILTER (WHERE e.cost_source = 'reported') AS reported_calls, sum(e.input_tokens) AS input_tokens,
  sum(e.cached_input_tokens) AS cached_input_tokens, sum(e.cache_write_tokens) AS cache_write_tokens,
  sum(e.output_tokens) AS output_tokens, sum(e.reasoning_tokens) AS reasoning_tokens, max(e.input_tokens) AS max_input_tokens,
  coalesce(sum(e.cost_usd), 0) AS cost_usd`;
