using StackExchange.Redis;

namespace Coupons.Redis.Layout;

/// <summary>
/// The fields of a hash or of a stream entry, by name, read the way every reader of them reads
/// them: an empty value is no value (the scripts write <c>''</c> for none), numbers are decimal
/// text, ids are GUIDs without dashes.
/// </summary>
public sealed class StoredFields
{
    private readonly Dictionary<string, RedisValue> _fields;

    private StoredFields(Dictionary<string, RedisValue> fields) => _fields = fields;

    public static StoredFields Of(HashEntry[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return new(entries.ToDictionary(e => (string)e.Name!, e => e.Value, StringComparer.Ordinal));
    }

    public static StoredFields Of(NameValueEntry[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return new(entries.ToDictionary(e => (string)e.Name!, e => e.Value, StringComparer.Ordinal));
    }

    /// <summary>True when there is nothing: a hash that does not exist.</summary>
    public bool IsEmpty => _fields.Count == 0;

    public bool Has(string name) => _fields.ContainsKey(name);

    public string Text(string name) => (string)_fields[name]!;

    public string? OptionalText(string name) =>
        _fields.TryGetValue(name, out var value) && !value.IsNullOrEmpty ? (string?)value : null;

    public long Number(string name) => (long)_fields[name];

    public long? OptionalNumber(string name) =>
        _fields.TryGetValue(name, out var value) && !value.IsNullOrEmpty ? (long)value : null;

    public Guid Id(string name) => RedisKeys.ParseId(Text(name));
}
