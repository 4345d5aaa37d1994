using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Storage;

/// <summary>Checks a named <see cref="SqliteGrainStorageOptions"/>; each failure says how to fix it.</summary>
public sealed class SqliteGrainStorageOptionsValidator : IValidateOptions<SqliteGrainStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteGrainStorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            return ValidateOptionsResult.Fail($"SQLite grain storage '{name}' has no DatabasePath; set it in AddSqliteGrainStorage(\"{name}\", o => o.DatabasePath = \"/var/lib/orvirt/orvirt.db\") or set Orvirt:DataDirectory.");
        }
        if (!Enum.IsDefined(options.Synchronous))
        {
            return ValidateOptionsResult.Fail($"SQLite grain storage '{name}' Synchronous '{options.Synchronous}' is unknown; use Full or Normal.");
        }
        return ValidateOptionsResult.Success;
    }
}
