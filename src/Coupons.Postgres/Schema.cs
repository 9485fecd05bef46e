using Npgsql;

namespace Coupons.Postgres;

/// <summary>
/// The tables, created by numbered migrations applied at start, each once, in a transaction that
/// records it. Every shard has the same schema; campaigns (and their audit entries, and those of
/// changes kept outside the store) are written to shard 0, a coupon's audit entries beside its row.
/// </summary>
public static class Schema
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE campaigns (
            id uuid PRIMARY KEY,
            name text NOT NULL,
            discount_kind smallint NOT NULL, amount_off bigint NOT NULL, percent_off integer NOT NULL,
            max_discount bigint, threshold bigint NOT NULL, min_order_amount bigint NOT NULL,
            per_user_limit integer NOT NULL, claim_starts_at bigint, claim_ends_at bigint,
            valid_from bigint, valid_to bigint, valid_days integer, lock_ttl_seconds integer NOT NULL,
            created_at bigint NOT NULL,
            status text NOT NULL, total_stock bigint NOT NULL,
            version bigint NOT NULL
        );
        CREATE TABLE coupons (
            id uuid PRIMARY KEY,
            campaign_id uuid NOT NULL,
            user_id text NOT NULL,
            claimed_at bigint NOT NULL,
            idempotency_key text,
            valid_from bigint NOT NULL, valid_to bigint NOT NULL,
            status text NOT NULL,
            order_id text, order_amount bigint NOT NULL, lock_expires_at bigint NOT NULL,
            used_at bigint NOT NULL, refunded_order_id text,
            version bigint NOT NULL
        );
        CREATE INDEX coupons_by_user ON coupons (user_id, id);
        CREATE INDEX coupons_by_campaign ON coupons (campaign_id);
        """,
        """
        -- Append-only: the persister inserts (an entry read twice is inserted once) and nothing updates or deletes.
        CREATE TABLE audit (
            id text COLLATE "C" PRIMARY KEY,
            at bigint NOT NULL,
            actor_id text NOT NULL, actor_role text NOT NULL, actor_ip text,
            action text NOT NULL, subject text NOT NULL,
            campaign_id uuid, owner text, order_id text,
            before text, after text
        );
        CREATE INDEX audit_by_time ON audit (at DESC, id DESC);
        CREATE INDEX audit_by_subject ON audit (subject, at DESC, id DESC);
        CREATE INDEX audit_by_actor ON audit (actor_id, at DESC, id DESC);
        CREATE INDEX audit_by_owner ON audit (owner, at DESC, id DESC);
        CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the audit log is append-only';
        END $$;
        CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
        """,
        """
        -- Codes, as lookup hashes (base64url) and sealed forms only: a campaign's shared code, each
        -- coupon's own code's hash (the code is derived from the coupon id), and generated codes with
        -- their claims (on shard 0, with the campaigns).
        ALTER TABLE campaigns ADD COLUMN code_hash text COLLATE "C", ADD COLUMN code_sealed text;
        ALTER TABLE coupons ADD COLUMN code_hash text COLLATE "C";
        CREATE TABLE codes (
            hash text COLLATE "C" PRIMARY KEY,
            campaign_id uuid NOT NULL, job_id uuid NOT NULL, index bigint NOT NULL,
            sealed bytea NOT NULL,
            user_id text, coupon_id uuid, claimed_at bigint
        );
        CREATE INDEX codes_by_campaign ON codes (campaign_id, job_id, index);
        """,
        """
        -- Generated codes keyed as they are made, by campaign, job and index: a job's rows arrive in
        -- that order, so a million are appended at the end of one index instead of scattered over a
        -- hash's. Nothing reads a code here by its hash (Redis answers lookups); Redis keeps hashes unique.
        ALTER TABLE codes DROP CONSTRAINT codes_pkey;
        DROP INDEX codes_by_campaign;
        ALTER TABLE codes ADD PRIMARY KEY (campaign_id, job_id, index);
        """,
        """
        -- A campaign's checkout options (scope and stacking) as CheckoutText writes them; null for the defaults.
        ALTER TABLE campaigns ADD COLUMN checkout text;
        """,
        """
        -- What a coupon took off its order and the order's shipping, as priced at its lock or use
        -- (null: stored before checkout priced orders; the discount follows from the terms).
        ALTER TABLE coupons ADD COLUMN order_shipping bigint NOT NULL DEFAULT 0, ADD COLUMN order_discount bigint;
        """,
        """
        -- Checkout orders as their operations left them, on their user's shard (lines: couponId:discount, comma-separated).
        CREATE TABLE orders (
            id text COLLATE "C" PRIMARY KEY,
            user_id text NOT NULL, status text NOT NULL,
            items_amount bigint NOT NULL, shipping_amount bigint NOT NULL,
            lines text NOT NULL, updated_at bigint NOT NULL, version bigint NOT NULL
        );
        """,
        """
        -- How many buckets a campaign's stock is split into in Redis (never changes), so that a restore
        -- of Redis from these rows puts every user's count, and every coupon, back in its bucket
        -- (null: stored before this column; the restore works it out from the coupons' ids).
        ALTER TABLE campaigns ADD COLUMN buckets integer;
        """,
    ];

    /// <summary>The latest migration's number: a shard with every migration applied has this many.</summary>
    public static long Version => Migrations.Length;

    /// <summary>Applies the migrations this shard lacks; safe to run from several nodes at once.</summary>
    public static async Task ApplyAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        for (var version = 1; version <= Migrations.Length; version++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // One node migrates at a time; the others wait here, then find the migration recorded.
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE schema_migrations IN EXCLUSIVE MODE", connection, transaction))
            {
                await lockTable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var applied = new NpgsqlCommand("SELECT 1 FROM schema_migrations WHERE version = $1", connection, transaction);
            applied.Parameters.Add(new NpgsqlParameter { Value = version });
            if (await applied.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                await using (var migrate = new NpgsqlCommand(Migrations[version - 1], connection, transaction))
                {
                    await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES ($1)", connection, transaction);
                record.Parameters.Add(new NpgsqlParameter { Value = version });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
