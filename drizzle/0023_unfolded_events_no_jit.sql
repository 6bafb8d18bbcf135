-- unfolded_events() is planned on its own at every call (its SET clauses keep it from being
-- inlined), with the fold state's xmin unknown: a third of cost_events estimated, a cost above
-- jit_above_cost from a few million events on, and every read that adds the tail paid for JIT
-- compilation (~20-80 ms) to scan an index range that is usually empty. No JIT for it.
ALTER FUNCTION unfolded_events() SET jit = off;
