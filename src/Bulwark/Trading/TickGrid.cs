using System.Runtime.CompilerServices;

namespace Bulwark.Trading;

/// <summary>
/// An instrument's tick size as a whole number of units of 10^-places (0.05 is 5 units of 0.01, 0.00001 is 1 unit of
/// 0.00001), so a price is on tick exactly when it is the double nearest to a whole number of ticks. No tolerance
/// grows with the price: 65,000.000005 is off a 0.00001 tick, 1e-12 is off every tick.
/// </summary>
internal readonly struct TickGrid
{
    /// <summary>Most decimal places a tick size may have.</summary>
    public const int MaximumPlaces = 9;

    /// <summary>
    /// Most grid units a price may be: 2^50, so two prices one unit apart are several doubles apart and an off-tick
    /// price can never be taken for its neighbour. Larger prices are refused as off tick (fail closed).
    /// </summary>
    private const double MaximumUnits = 1125899906842624;

    private readonly double _scale;
    private readonly long _units;

    private TickGrid(double scale, long units)
    {
        _scale = scale;
        _units = units;
    }

    /// <summary>The grid of a tick size, or false when it has more than <see cref="MaximumPlaces"/> decimal places.</summary>
    public static bool TryCreate(double tickSize, out TickGrid grid)
    {
        grid = default;
        if (!(double.IsFinite(tickSize) && tickSize > 0 && tickSize < 1e12))
        {
            return false;
        }

        // The decimal of its shortest round-trip text: 0.01 is 0.01, not the binary fraction the double holds.
        var tick = decimal.Parse(tickSize.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture);
        var scale = 1m;
        for (var places = 0; places <= MaximumPlaces; places++, scale *= 10)
        {
            var units = tick * scale;
            if (units == decimal.Truncate(units))
            {
                grid = new TickGrid((double)scale, (long)units);
                return units >= 1;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="price"/> (finite and positive) is a whole number of ticks, at least one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsOnTick(double price)
    {
        var units = Math.Round(price * _scale);
        if (!(units >= _units && units <= MaximumUnits))
        {
            return false;
        }

        // The double nearest to units / scale (both exact, so the division rounds once): the price an engine gets from
        // the decimal text, or one ulp from it when it added ticks up in binary.
        var exact = units / _scale;
        if (exact != price && Math.BitIncrement(exact) != price && Math.BitDecrement(exact) != price)
        {
            return false;
        }

        return _units == 1 || (long)units % _units == 0;
    }
}
