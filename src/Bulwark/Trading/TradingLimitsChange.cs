namespace Bulwark.Trading;

/// <summary>
/// The one way a running system's trading limits change, for the SIGHUP reload of <c>bulwark run</c> and for
/// <c>PUT /api/v1/limits</c>: <see cref="RiskGate.ApplyLimits"/> (validated whole, applied atomically or not at all,
/// audited as applied or refused with who and why), then the audit event written now, not at the next periodic flush.
/// </summary>
internal static class TradingLimitsChange
{
    /// <summary>The errors (empty: applied), and why the audit event is not written yet (null: it is; the next flush retries it otherwise).</summary>
    public static async Task<(IReadOnlyList<OptionsError> Errors, Exception? NotWritten)> ApplyAsync(
        TradingSafetyBridge trading, RiskGateOptions options, string who, string why, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trading);
        var errors = trading.Gate.ApplyLimits(options, who, why);
        try
        {
            await trading.FlushAsync(cancellationToken).ConfigureAwait(false);
            return (errors, null);
        }
        catch (Exception ex) when (ex is IOException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            return (errors, ex);
        }
    }
}
