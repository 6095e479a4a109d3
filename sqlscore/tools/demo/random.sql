-- The demo generators' randomness (generate.sql, monthly.sql run after this): u(id, stream) is
-- uniform on [0, 1), gauss(id, stream) standard normal, both a function of (id, stream, seed)
-- only, so a seed gives the same tables whatever the thread count. Placeholder: seed.
-- hash() of several arguments combines their hashes cheaply, which leaves
-- streams of one id correlated (measured: -0.88); hashing one integer that is
-- xor-ed with a per-stream constant mixes fully (|corr| < 0.003).
create or replace temp macro u(id, stream) as
    (hash(xor(id::ubigint, hash(stream || '/{seed}'))) >> 11)::double / 9007199254740992.0;
create or replace temp macro gauss(id, stream) as
    sqrt(-2 * ln(greatest(u(id, stream || 'a'), 1e-12))) * cos(2 * pi() * u(id, stream || 'b'));
