using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis.Tests;

/// <summary>
/// What a Redis that cannot serve now answers becomes unavailable storage (503, counted by the
/// breaker); an error of the request itself stays what it is. That the client gives a real
/// server's CLUSTERDOWN that kind is bench/chaos.sh master-kill's check (ChaosScriptTests: no 500).
/// </summary>
public sealed class RedisFailuresTests
{
    [Theory]
    [InlineData(RedisErrorKind.ClusterDown, "CLUSTERDOWN The cluster is down")]
    [InlineData(RedisErrorKind.Loading, "LOADING Redis is loading the dataset in memory")]
    [InlineData(RedisErrorKind.TryAgain, "TRYAGAIN Multiple keys request during rehashing of slot")]
    [InlineData(RedisErrorKind.MasterDown, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")]
    [InlineData(RedisErrorKind.ReadOnly, "READONLY You can't write against a read only replica.")]
    [InlineData(RedisErrorKind.Busy, "BUSY Redis is busy running a script.")]
    public async Task A_redis_that_cannot_serve_now_is_unavailable_storage(RedisErrorKind kind, string answer)
    {
        var exception = await Assert.ThrowsAsync<StorageUnavailableException>(async () =>
            await RedisFailures.TranslateAsync<int>(() => throw new RedisServerException(kind, CommandFlags.None, answer)));

        Assert.Contains(answer, exception.Message, StringComparison.Ordinal);
        Assert.IsType<RedisServerException>(exception.InnerException);
    }

    [Theory]
    [InlineData(RedisErrorKind.UnknownError, "ERR Error running script (call to f_0123): @user_script:1: oops")]
    [InlineData(RedisErrorKind.WrongType, "WRONGTYPE Operation against a key holding the wrong kind of value")]
    [InlineData(RedisErrorKind.NoScript, "NOSCRIPT No matching script. Please use EVAL.")]
    public async Task Other_errors_stay_as_they_are(RedisErrorKind kind, string answer)
    {
        var exception = await Assert.ThrowsAsync<RedisServerException>(async () =>
            await RedisFailures.TranslateAsync<int>(() => throw new RedisServerException(kind, CommandFlags.None, answer)));

        Assert.Equal(answer, exception.Message);
    }
}
