using System.Collections.Concurrent;
using System.Globalization;
using Coupons.Core;

namespace Coupons.Api.Http;

/// <summary>
/// The middle step of degrading while the store fails: the last copy this node served of a campaign,
/// its stats or a listing page, answered again, marked stale (<see cref="Mark"/>), when reading it
/// anew fails as <see cref="StorageUnavailableException"/> (Redis timed out, its breaker is open) and
/// the copy is at most <see cref="MaxAge"/> old; otherwise the 503 stands. Claims and changes never
/// come here: they fail rather than answer from a copy.
/// </summary>
/// <remarks>
/// Copies are what the store gave (before the role's view is made of it), keyed by the read and its
/// arguments, so an answer from a copy is shaped for its caller as a fresh one is. Memory is bounded
/// by <see cref="MaxItems"/>: copies go into a current generation; when it holds half the items it
/// becomes the previous one and the one before is dropped (about least recently kept first, with no
/// bookkeeping on a read).
/// </remarks>
public sealed class LastCopies
{
    /// <summary>The header a stale answer carries: the copy's age in whole seconds.</summary>
    public const string StaleHeader = "X-Coupons-Stale";

    /// <summary>The <c>Warning</c> a stale answer carries (RFC 7234's code 110, which caches and proxies know).</summary>
    public const string StaleWarning = "110 - \"Response is Stale\"";

    private readonly TimeProvider _time;
    private readonly long _generationItems;
    private readonly Lock _turn = new();
    private ConcurrentDictionary<object, Copy> _current = new();
    private ConcurrentDictionary<object, Copy> _previous = new();
    private long _currentItems;

    public LastCopies(TimeSpan maxAge, int maxItems, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAge, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        MaxAge = maxAge;
        MaxItems = maxItems;
        _generationItems = Math.Max(1, maxItems / 2);
        _time = time;
    }

    /// <summary>Copies kept by nobody: every read goes to the store, a failure is a 503 (the embedded store, or StaleFor 0).</summary>
    public static LastCopies Off(TimeProvider time) => new(TimeSpan.Zero, 0, time);

    public TimeSpan MaxAge { get; }

    public int MaxItems { get; }

    private bool IsOn => MaxAge > TimeSpan.Zero && MaxItems > 0;

    /// <summary>
    /// <paramref name="read"/>'s answer, kept as the last copy of <paramref name="key"/> (a null is not
    /// kept); when it fails as <see cref="StorageUnavailableException"/>, the last copy instead,
    /// with <paramref name="context"/>'s answer marked stale, if there is one young enough.
    /// </summary>
    /// <param name="key">The read and its arguments, compared by value (a tuple: <c>("stats", id)</c>).</param>
    /// <param name="items">How many items a copy holds, for the bound (a page's items; one otherwise).</param>
    public async ValueTask<T> ReadAsync<T>(HttpContext context, object key, Func<ValueTask<T>> read, Func<T, int>? items = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(read);
        if (!IsOn)
        {
            return await read().ConfigureAwait(false);
        }

        try
        {
            var value = await read().ConfigureAwait(false);
            if (value is not null)
            {
                Keep(key, value, items?.Invoke(value) ?? 1);
            }

            return value;
        }
        catch (StorageUnavailableException) when (Young(key) is { } copy)
        {
            Mark(context.Response, _time.GetElapsedTime(copy.KeptAt));
            return (T)copy.Value;
        }
    }

    /// <summary>Says an answer is a copy <paramref name="age"/> old: <c>Warning: 110</c> and <see cref="StaleHeader"/> (whole seconds).</summary>
    public static void Mark(HttpResponse response, TimeSpan age)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.Warning = StaleWarning;
        response.Headers[StaleHeader] = ((long)age.TotalSeconds).ToString(CultureInfo.InvariantCulture);
    }

    private Copy? Young(object key) =>
        (_current.TryGetValue(key, out var copy) || _previous.TryGetValue(key, out copy)) && _time.GetElapsedTime(copy.KeptAt) <= MaxAge ? copy : null;

    private void Keep(object key, object value, int items)
    {
        _current[key] = new Copy(value, _time.GetTimestamp());
        if (Interlocked.Add(ref _currentItems, Math.Max(1, items)) < _generationItems)
        {
            return;
        }

        lock (_turn)
        {
            if (Volatile.Read(ref _currentItems) >= _generationItems)
            {
                _previous = _current;
                _current = new ConcurrentDictionary<object, Copy>();
                Volatile.Write(ref _currentItems, 0);
            }
        }
    }

    private sealed record Copy(object Value, long KeptAt);
}
