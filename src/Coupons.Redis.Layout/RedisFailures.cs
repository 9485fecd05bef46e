using Coupons.Core;
using StackExchange.Redis;

namespace Coupons.Redis.Layout;

/// <summary>
/// Turns a Redis that cannot be reached or does not answer in time into what every store reports
/// for broken infrastructure, <see cref="StorageUnavailableException"/> (503, not ready). Other
/// failures (a script's error, a bug) stay as they are.
/// </summary>
public static class RedisFailures
{
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
    }
}
