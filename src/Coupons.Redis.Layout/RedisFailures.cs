using Coupons.Core;
using StackExchange.Redis;

namespace Coupons.Redis.Layout;

/// <summary>
/// Turns a Redis that cannot be reached, does not answer in time, or answers that it cannot serve
/// now (a cluster missing a master, a node still loading its AOF) into what every store reports
/// for broken infrastructure, <see cref="StorageUnavailableException"/> (503, not ready). Other
/// failures (a script's error, a bug) stay as they are.
/// </summary>
public static class RedisFailures
{
    /// <summary>
    /// Whether <paramref name="exception"/> is an error by which a Redis says it cannot serve now, and
    /// may later: CLUSTERDOWN (a slot's master is missing), LOADING (a node reading its AOF after a
    /// start), TRYAGAIN (keys moving between nodes), MASTERDOWN (a replica cut off from its master),
    /// READONLY (a master turned replica), BUSY (a script running too long). The client tells the
    /// kinds apart (<see cref="RedisServerException.Kind"/>).
    /// </summary>
    public static bool IsNotServingNow(RedisServerException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Kind is RedisErrorKind.ClusterDown or RedisErrorKind.Loading or RedisErrorKind.TryAgain
            or RedisErrorKind.MasterDown or RedisErrorKind.ReadOnly or RedisErrorKind.Busy;
    }

    public static async ValueTask<T> TranslateAsync<T>(Func<Task<T>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (RedisConnectionException exception)
        {
            throw new StorageUnavailableException("Redis cannot be reached", exception);
        }
        catch (RedisTimeoutException exception)
        {
            throw new StorageUnavailableException("Redis did not answer in time", exception);
        }
        catch (RedisServerException exception) when (IsNotServingNow(exception))
        {
            throw new StorageUnavailableException("Redis cannot serve now: " + exception.Message, exception);
        }
    }
}
