using System.Diagnostics;

namespace Coupons.Embedded;

/// <summary>
/// Lookup hash → a non-zero number, in one open-addressing table with linear probing: what
/// <see cref="CodeIndex"/> finds codes by. The keys are HMAC outputs under a key no caller knows,
/// so their low bits are a uniform bucket as they are (nothing to hash), and one probe finds a key
/// or the place it goes: checking a generation step's code and adding it is one walk, not two.
/// </summary>
/// <remarks>
/// The table only doubles (at most three quarters full), so a million codes added 10,000 at a time
/// copy it about ten times in all; a table grown to the exact size each step needs copies itself
/// every other step. Entries hold no references: the collector never scans it. Not thread-safe:
/// the index uses it under its gate.
/// </remarks>
internal sealed class CodeHashTable
{
    private const int InitialCapacity = 1 << 10;

    private Entry[] _entries = new Entry[InitialCapacity];
    private int _count;

    public int Count => _count;

    /// <summary>Makes room for <paramref name="more"/> keys at once, so that adding them moves no key.</summary>
    public void EnsureRoom(int more)
    {
        var needed = (long)_count + more;
        var capacity = (long)_entries.Length;
        while (needed * 4 > capacity * 3)
        {
            capacity *= 2;
        }

        if (capacity == _entries.Length)
        {
            return;
        }

        var old = _entries;
        _entries = new Entry[checked((int)capacity)];
        foreach (ref readonly var entry in old.AsSpan())
        {
            if (entry.Value != 0)
            {
                _entries[PlaceOf(entry.Low, entry.High)] = entry;
            }
        }
    }

    /// <summary>The number <paramref name="key"/> has, or 0 when it has none.</summary>
    public int Find(UInt128 key) => _entries[PlaceOf((ulong)key, (ulong)(key >> 64))].Value;

    /// <summary>
    /// The number <paramref name="key"/> already has, or 0 after giving it <paramref name="value"/>
    /// (not 0). <see cref="EnsureRoom"/> must have made room for it.
    /// </summary>
    public int GetOrAdd(UInt128 key, int value)
    {
        Debug.Assert(value != 0, "0 marks an empty entry");
        Debug.Assert((_count + 1) * 4L <= _entries.Length * 3L, "room was made first");
        var (low, high) = ((ulong)key, (ulong)(key >> 64));
        ref var entry = ref _entries[PlaceOf(low, high)];
        if (entry.Value != 0)
        {
            return entry.Value;
        }

        entry = new Entry(low, high, value);
        _count++;
        return 0;
    }

    /// <summary>
    /// Takes out <paramref name="key"/>, which must be the last key added of those still in: every
    /// key added before it ended its probe before reaching its place (which was empty then), so
    /// emptying the place breaks no other key's probe. Keys are taken out in the reverse order of
    /// their adding, and only when the change that added them is refused.
    /// </summary>
    public void RemoveLatest(UInt128 key)
    {
        ref var entry = ref _entries[PlaceOf((ulong)key, (ulong)(key >> 64))];
        Debug.Assert(entry.Value != 0, "only a key that is in is taken out");
        entry = default;
        _count--;
    }

    /// <summary>Where the key is, or the empty entry where its probe ends.</summary>
    private int PlaceOf(ulong low, ulong high)
    {
        var entries = _entries;
        var mask = entries.Length - 1;
        var place = (int)low & mask;
        while (true)
        {
            ref readonly var entry = ref entries[place];
            if (entry.Value == 0 || (entry.Low == low && entry.High == high))
            {
                return place;
            }

            place = (place + 1) & mask;
        }
    }

    private readonly record struct Entry(ulong Low, ulong High, int Value);
}
