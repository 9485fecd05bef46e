using System.Buffers;

namespace Coupons.Core.Codes;

/// <summary>
/// A campaign's shared code (<c>SUMMER-25</c>), chosen by the admin and typed by everyone: 4 to 32
/// of A–Z, 0–9 and <c>-</c>, compared case-insensitively. Unlike a generated code it has no check
/// character and may use every letter and digit; its <c>-</c> is part of the code (<c>SUMMER-25</c>
/// and <c>SUMMER25</c> are two codes), so only surrounding whitespace and case are forgiven.
/// </summary>
public static class SharedCodes
{
    public const int MinLength = 4;
    public const int MaxLength = 32;

    private static readonly SearchValues<char> Allowed = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

    /// <summary>The canonical form: trimmed and upper-case (ASCII letters only; anything else stays and is refused by <see cref="IsValid"/>). Empty for null.</summary>
    public static string Normalize(string? input)
    {
        if (input is null)
        {
            return string.Empty;
        }

        var trimmed = input.AsSpan().Trim();
        if (!trimmed.ContainsAnyInRange('a', 'z'))
        {
            return trimmed.Length == input.Length ? input : new string(trimmed);
        }

        return string.Create(trimmed.Length, input, static (destination, source) =>
        {
            var from = source.AsSpan().Trim();
            for (var i = 0; i < from.Length; i++)
            {
                var c = from[i];
                destination[i] = c is >= 'a' and <= 'z' ? (char)(c - ('a' - 'A')) : c;
            }
        });
    }

    /// <summary>Whether <paramref name="code"/> (canonical) is a shared code: <see cref="MinLength"/> to <see cref="MaxLength"/> of A–Z, 0–9 and <c>-</c>.</summary>
    public static bool IsValid(ReadOnlySpan<char> code) =>
        code.Length is >= MinLength and <= MaxLength && code.IndexOfAnyExcept(Allowed) < 0;

    /// <summary>
    /// The problem with <paramref name="input"/> as an admin gives it to a campaign, or null when it is a
    /// valid shared code. Only its case is forgiven here, as the contract's pattern says; surrounding
    /// space is forgiven where everyone types it (<see cref="Normalize"/> at claim and look-up).
    /// </summary>
    public static string? Problem(string? input) =>
        input is not null && IsValid(Normalize(input)) && input.AsSpan().Trim().Length == input.Length
            ? null
            : $"must be {MinLength} to {MaxLength} characters of A-Z, 0-9 and -, without surrounding space";
}
