using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Codes;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded.Tests;

/// <summary>
/// Codes on disk: shared codes, generated codes, claimed codes and every coupon's own code survive a
/// restart and a crash (the files as they stand while the store is open), a database from before
/// codes is brought up at open, and no plain code is ever written to the database.
/// </summary>
public sealed class CodeDurabilityTests
{
    [Fact]
    public async Task Codes_and_their_claims_survive_a_restart()
    {
        using var test = TestStore.Create();
        var before = await CodesState.MakeAsync(test.Store);

        await before.CheckAsync(test.Reopen(), test.Dir);
    }

    [Fact]
    public async Task Codes_and_their_claims_are_in_the_files_without_a_clean_shutdown()
    {
        using var test = TestStore.Create();
        var before = await CodesState.MakeAsync(test.Store);

        var copy = Path.Combine(test.Dir, "crashed");
        Directory.CreateDirectory(copy);
        var database = test.Options(null).DatabasePath;
        foreach (var suffix in new[] { "", "-wal" })
        {
            if (File.Exists(database + suffix))
            {
                File.Copy(database + suffix, Path.Combine(copy, "coupons.db" + suffix));
            }
        }

        using var recovered = new EmbeddedCouponStore(test.Options(o => o.DataDir = copy), test.Time, TestCodes.Own);
        recovered.Open();
        await before.CheckAsync(recovered, copy);
    }

    [Fact]
    public async Task A_database_from_before_codes_gets_every_coupons_own_code_at_open()
    {
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(), 10);
        var coupons = new List<Coupon>();
        for (var i = 0; i < 3; i++)
        {
            coupons.Add((await test.Store.ClaimAsync(campaign.Id, Terms.User(i), null)).Coupon!);
        }

        test.Close();
        using (var connection = new SqliteConnection($"Data Source={test.Options(null).DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var downgrade = connection.CreateCommand();
            downgrade.CommandText = """
                DROP INDEX coupons_without_code; DROP INDEX campaigns_by_code; DROP TABLE codes; DROP TABLE code_jobs;
                ALTER TABLE coupons DROP COLUMN code_hash; ALTER TABLE campaigns DROP COLUMN code_hash; ALTER TABLE campaigns DROP COLUMN code_sealed;
                UPDATE schema_version SET version = 1;
                """;
            downgrade.ExecuteNonQuery();
        }

        var store = test.Reopen();
        foreach (var coupon in coupons)
        {
            Assert.Equal(coupon.Id, (await store.FindCouponByCodeAsync(TestCodes.Own.KeyOf(coupon.Id))).Coupon!.Id);
        }

        var (_, shared) = CodesState.NewShared("LEGACY");
        var later = await store.CreateCampaignAsync(Terms.AmountOff() with { Code = shared }, 5);
        Assert.Equal(later.Id, (await store.ClaimByCodeAsync(shared.Hash, "new-user", null)).Coupon!.CampaignId);
    }

    [Fact]
    public async Task A_schema_2_database_gets_its_jobs_numbered_at_open_and_keeps_every_code()
    {
        using var test = TestStore.Create();
        var before = await CodesState.MakeAsync(test.Store);
        // A second job of another campaign, older than the first: numbered first, listed on its own.
        var other = await test.Store.CreateCampaignAsync(Terms.AmountOff(), 10);
        var olderJob = Guid.CreateVersion7(DateTimeOffset.UnixEpoch);
        var otherCodes = Enumerable.Range(0, 3).Select(i => new NewCode(i, new CodeHash((UInt128)i + 1), [(byte)i])).ToList();
        Assert.Empty((await test.Store.AddCodesAsync(other.Id, olderJob, otherCodes)).Clashes);
        test.Close();
        Execute(test, """
            CREATE TABLE codes_v2 (
                campaign_id BLOB NOT NULL, job_id BLOB NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, sealed BLOB NOT NULL,
                user_id TEXT, coupon_id BLOB, claimed_at INTEGER, PRIMARY KEY (campaign_id, job_id, idx)) WITHOUT ROWID;
            INSERT INTO codes_v2 SELECT j.campaign_id, j.job_id, c.idx, c.hash, c.sealed, c.user_id, c.coupon_id, c.claimed_at
                FROM codes c JOIN code_jobs j ON j.number = c.job;
            DROP TABLE codes; DROP TABLE code_jobs; ALTER TABLE codes_v2 RENAME TO codes;
            UPDATE schema_version SET version = 2;
            """);

        var store = test.Reopen();
        await before.CheckAsync(store, test.Dir);
        Assert.Equal([1L, 2L], Query(test, "SELECT number FROM code_jobs ORDER BY job_id"));
        Assert.Equal([5L], Query(test, "SELECT version FROM schema_version"));
        Assert.Equal([0L], Query(test, "SELECT COUNT(*) FROM pragma_table_info('codes') WHERE name = 'campaign_id'"));
        var listed = (await store.ListCodesAsync(other.Id, null, null, 10)).Items;
        Assert.Equal(otherCodes.Select(c => (olderJob, c.Index, c.Hash)), listed.Select(e => (e.JobId, e.Index, e.Hash)));
        Assert.Equal(CodeStatus.Available, Assert.Single(await ListAsync(store, other.Id, CodeStatus.Available, new CodeCursor(olderJob, 1))).Status);
    }

    private static async Task<IReadOnlyList<CodeEntry>> ListAsync(EmbeddedCouponStore store, Guid campaignId, CodeStatus status, CodeCursor after) =>
        (await store.ListCodesAsync(campaignId, status, after, 10)).Items;

    private static void Execute(TestStore test, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={test.Options(null).DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<long> Query(TestStore test, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={test.Options(null).DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<long>();
        while (reader.Read())
        {
            values.Add(reader.GetInt64(0));
        }

        return values;
    }

    /// <summary>A store's codes after a few of each kind of change, and what it must answer after a restart.</summary>
    private sealed record CodesState(SealedCode Shared, Guid CampaignId, Guid JobId, (string Code, NewCode New)[] Codes, Coupon ById, Coupon ByShared, Coupon ByUnique, string[] PlainCodes)
    {
        public static (string Code, SealedCode Sealed) NewShared(string stem)
        {
            var code = SharedCodes.Normalize(stem + "-" + Guid.NewGuid().ToString("N")[..8]);
            var hash = TestCodes.Protector.HashOf(code);
            return (code, new SealedCode(hash, TestCodes.Protector.ProtectToText(code, hash.AsOwner())));
        }

        public static async Task<CodesState> MakeAsync(EmbeddedCouponStore store)
        {
            var (sharedCode, shared) = NewShared("SPRING");
            var campaign = await store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 3) with { Code = shared }, 100);
            var jobId = Guid.CreateVersion7();
            var codes = Enumerable.Range(0, 5).Select(i =>
            {
                var buffer = new char[CouponCodes.MaxCodeLength];
                var code = new string(buffer, 0, CodeDerivation.ForJob(TestCodes.Protector, jobId, i, 0, "AB", 10, buffer));
                return (code, new NewCode(i, TestCodes.Protector.HashOf(code), TestCodes.Protector.Protect(code, campaign.Id)));
            }).ToArray();
            Assert.Empty((await store.AddCodesAsync(campaign.Id, jobId, [.. codes.Select(c => c.Item2)])).Clashes);
            var byId = (await store.ClaimAsync(campaign.Id, "alice", null)).Coupon!;
            var byShared = (await store.ClaimByCodeAsync(shared.Hash, "bob", null)).Coupon!;
            var byUnique = (await store.ClaimByCodeAsync(codes[3].Item2.Hash, "carol", null)).Coupon!;
            var plain = codes.Select(c => c.code).Append(sharedCode).Concat(new[] { byId, byShared, byUnique }.Select(c => TestCodes.Own.CodeOf(c.Id))).ToArray();
            return new CodesState(shared, campaign.Id, jobId, codes, byId, byShared, byUnique, plain);
        }

        public async Task CheckAsync(EmbeddedCouponStore store, string dataDir)
        {
            foreach (var coupon in new[] { ById, ByShared, ByUnique })
            {
                Assert.Equal(coupon.Id, (await store.FindCouponByCodeAsync(TestCodes.Own.KeyOf(coupon.Id))).Coupon!.Id);
            }

            Assert.Equal((Outcome.Replayed, ByShared.Id), Summary(await store.ClaimByCodeAsync(Shared.Hash, "bob", null)));
            Assert.Equal((Outcome.Replayed, ByUnique.Id), Summary(await store.ClaimByCodeAsync(Codes[3].New.Hash, "carol", null)));
            Assert.Equal(Outcome.CodeAlreadyClaimed, (await store.ClaimByCodeAsync(Codes[3].New.Hash, "dave", null)).Outcome);
            await Assert.ThrowsAsync<CodeTakenException>(async () => await store.CreateCampaignAsync(Terms.AmountOff() with { Code = Shared }, 1));

            var listed = (await store.ListCodesAsync(CampaignId, null, null, 10)).Items;
            Assert.Equal(Codes.Select(c => c.Code), listed.Select(e => TestCodes.Protector.Unprotect(e.Sealed, CampaignId)));
            Assert.Equal((Guid?)ByUnique.Id, Assert.Single(listed, e => e.Status == CodeStatus.Claimed).CouponId);
            var redone = await store.AddCodesAsync(CampaignId, JobId, [.. Codes.Select(c => c.New)]);
            Assert.Equal((Outcome.Ok, 0), (redone.Outcome, redone.Clashes.Count));
            Assert.Equal(Outcome.Ok, (await store.ClaimByCodeAsync(Codes[0].New.Hash, "erin", null)).Outcome);
            await AssertNoPlainCodeAsync(store, dataDir);
        }

        /// <summary>Every byte of the database's files holds none of the plain codes (ASCII, as they would be stored).</summary>
        private async Task AssertNoPlainCodeAsync(EmbeddedCouponStore store, string dataDir)
        {
            await store.GetCampaignAsync(CampaignId);
            var files = Directory.GetFiles(dataDir, "coupons.db*");
            foreach (var file in files)
            {
                var bytes = await ReadSharedAsync(file);
                foreach (var code in PlainCodes)
                {
                    Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(code)) < 0, $"{Path.GetFileName(file)} holds a plain code");
                }
            }
        }

        private static async Task<byte[]> ReadSharedAsync(string file)
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }

        private static (Outcome, Guid?) Summary(CouponResult result) => (result.Outcome, result.Coupon?.Id);
    }
}
