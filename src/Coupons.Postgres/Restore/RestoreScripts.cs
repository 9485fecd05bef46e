namespace Coupons.Postgres.Restore;

/// <summary>The restore's Lua scripts, built into the assembly.</summary>
internal static class RestoreScripts
{
    public static string Text(string name)
    {
        using var stream = typeof(RestoreScripts).Assembly.GetManifestResourceStream($"Coupons.Postgres.Restore.{name}.lua")
            ?? throw new InvalidOperationException($"the script {name}.lua is not built in");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
