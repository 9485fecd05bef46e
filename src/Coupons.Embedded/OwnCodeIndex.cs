using Coupons.Core.Codes;

namespace Coupons.Embedded;

/// <summary>
/// Every coupon's own code, lookup hash → coupon id, in memory: what a till's lookup finds a coupon
/// by. One open-addressing table with linear probing, keyed by 64 bits of the hash (an HMAC output,
/// so its low bits are a uniform place as they are); a key is not unique proof, so
/// <see cref="Find"/> gives every id under it and the caller checks each against the code.
/// </summary>
/// <remarks>
/// <para>
/// It replaces an index on disk: a B-tree keyed by random hashes dirtied a page for nearly every
/// coupon a commit added, so issuing a million coupons wrote gigabytes of pages to the WAL (67–78 s
/// instead of 28 s). In memory a coupon costs 24 bytes a place, at most three quarters full.
/// </para>
/// <para>
/// Claims add their coupons as they are made. The coupons on disk when the store opened are added
/// by a scan in the background (<see cref="Load"/>), so that they do not hold the store's recovery
/// up; a lookup waits until it has finished. A coupon both scanned and added by its claim is in the
/// table twice, under the same key and id, which a lookup passes over. Thread-safe: one lock, held
/// for a probe.
/// </para>
/// </remarks>
internal sealed class OwnCodeIndex
{
    private const int InitialCapacity = 1 << 10;
    private const int LoadBatch = 4_096;

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong[] _keys = new ulong[InitialCapacity];
    private Guid[] _ids = new Guid[InitialCapacity];
    private int _count;

    /// <summary>Adds a coupon's own code.</summary>
    public void Add(CodeHash hash, Guid couponId)
    {
        lock (_gate)
        {
            EnsureRoom(1);
            Put(KeyOf(hash), couponId);
        }
    }

    /// <summary>
    /// Adds, on a background thread, the own codes <paramref name="scan"/> reads (the coupons on
    /// disk), a few thousand under the lock at a time; lookups wait for it. A scan that fails fails
    /// every lookup with its exception.
    /// </summary>
    public void Load(Action<Action<CodeHash, Guid>> scan, int expected)
    {
        ArgumentNullException.ThrowIfNull(scan);
        _ = Task.Run(() =>
        {
            try
            {
                lock (_gate)
                {
                    EnsureRoom(expected);
                }

                var batch = new List<(ulong Key, Guid Id)>(LoadBatch);
                scan((hash, id) =>
                {
                    batch.Add((KeyOf(hash), id));
                    if (batch.Count == LoadBatch)
                    {
                        AddAll(batch);
                    }
                });
                AddAll(batch);
                _loaded.TrySetResult();
            }
            catch (Exception exception)
            {
                _loaded.TrySetException(exception);
            }
        });
    }

    /// <summary>The ids of the coupons whose own code's hash has <paramref name="hash"/>'s key (one, but for a one-in-2⁶⁴ chance), once the coupons on disk are in.</summary>
    public async ValueTask<List<Guid>> FindAsync(CodeHash hash, CancellationToken cancellationToken)
    {
        await _loaded.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var key = KeyOf(hash);
        var found = new List<Guid>(1);
        lock (_gate)
        {
            for (var place = PlaceOf(key, _keys.Length); _ids[place] != Guid.Empty; place = (place + 1) & (_keys.Length - 1))
            {
                if (_keys[place] == key && !found.Contains(_ids[place]))
                {
                    found.Add(_ids[place]);
                }
            }
        }

        return found;
    }

    private static ulong KeyOf(CodeHash hash) => (ulong)hash.Value;

    private static int PlaceOf(ulong key, int capacity) => (int)(key & (ulong)(capacity - 1));

    private void AddAll(List<(ulong Key, Guid Id)> batch)
    {
        lock (_gate)
        {
            EnsureRoom(batch.Count);
            foreach (var (key, id) in batch)
            {
                Put(key, id);
            }
        }

        batch.Clear();
    }

    /// <summary>Puts an entry in the first free place of its probe; room was made.</summary>
    private void Put(ulong key, Guid id)
    {
        var place = PlaceOf(key, _keys.Length);
        while (_ids[place] != Guid.Empty)
        {
            place = (place + 1) & (_keys.Length - 1);
        }

        (_keys[place], _ids[place]) = (key, id);
        _count++;
    }

    /// <summary>Doubles the table until <paramref name="more"/> entries fit at three quarters full.</summary>
    private void EnsureRoom(int more)
    {
        var capacity = (long)_keys.Length;
        while (((long)_count + more) * 4 > capacity * 3)
        {
            capacity *= 2;
        }

        if (capacity == _keys.Length)
        {
            return;
        }

        var (keys, ids) = (_keys, _ids);
        (_keys, _ids, _count) = (new ulong[checked((int)capacity)], new Guid[capacity], 0);
        for (var i = 0; i < keys.Length; i++)
        {
            if (ids[i] != Guid.Empty)
            {
                Put(keys[i], ids[i]);
            }
        }
    }
}
