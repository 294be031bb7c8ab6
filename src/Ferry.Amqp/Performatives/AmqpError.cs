namespace Ferry.Amqp;

/// <summary>The error composite (AMQP 1.0 §2.8.14), carried by detach, end, close and rejected.</summary>
public sealed class AmqpError : IAmqpComposite
{
    public AmqpError()
    {
    }

    public AmqpError(AmqpSymbol condition, string? description = null)
    {
        Condition = condition;
        Description = description;
    }

    public ulong DescriptorCode => Descriptor.Error;

    /// <summary>The error condition symbol, for example <c>amqp:not-found</c>; mandatory.</summary>
    public AmqpSymbol Condition { get; set; }

    public string? Description { get; set; }

    /// <summary>Extra information, keyed by symbol.</summary>
    public AmqpMap? Info { get; set; }

    public void Encode(ref AmqpWriter writer)
    {
        var s = writer.BeginComposite(Descriptor.Error);
        writer.FieldSymbol(ref s, Condition);
        writer.FieldString(ref s, Description);
        writer.FieldMap(ref s, Info);
        writer.EndComposite(s);
    }

    /// <summary>Reads a described error, or null when the value is null.</summary>
    public static AmqpError? Decode(ref AmqpReader reader)
    {
        if (reader.TryReadNull())
        {
            return null;
        }

        ulong code = reader.ReadDescriptorCode();
        if (code != Descriptor.Error)
        {
            throw FieldReader.UnknownDescriptor(code, "error");
        }

        var f = reader.ReadList(out int n);
        var error = new AmqpError();
        if (f.NextField(ref n)) error.Condition = f.ReadSymbol();
        if (f.NextField(ref n)) error.Description = f.ReadString();
        if (f.NextField(ref n)) error.Info = FieldReader.ReadMap(ref f);
        return error;
    }

    public override string ToString() => Description is null ? Condition.Value : $"{Condition}: {Description}";
}
