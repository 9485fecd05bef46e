using System.Text;

namespace Coupons.Client.Serialization;

/// <summary>A path and the query parameters that are given (null ones are left out), escaped.</summary>
internal sealed class QueryString(string path)
{
    private readonly StringBuilder _text = new(path);
    private char _separator = '?';

    public QueryString Add(string name, string? value)
    {
        if (value is not null)
        {
            _text.Append(_separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            _separator = '&';
        }

        return this;
    }

    public override string ToString() => _text.ToString();
}
