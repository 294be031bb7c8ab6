using System.Collections;

namespace Ferry.Amqp;

public ref partial struct AmqpWriter
{
    /// <summary>
    /// Starts a composite (a described list, AMQP 1.0 §1.4): writes the descriptor and reserves the list header.
    /// Write the fields in order with the <c>Field*</c> methods (a null argument writes the null value) and finish
    /// with <see cref="EndComposite"/>, which drops trailing null fields.
    /// </summary>
    public CompositeScope BeginComposite(ulong descriptor)
    {
        WriteDescriptor(descriptor);
        int token = BeginList();
        return new CompositeScope { Token = token, LastNonNullEnd = _pos };
    }

    public void EndComposite(in CompositeScope scope)
    {
        _pos = scope.LastNonNullEnd;
        EndList(scope.Token, scope.LastNonNullFields);
    }

    private void FieldDone(ref CompositeScope scope, bool isNull)
    {
        scope.Fields++;
        if (!isNull)
        {
            scope.LastNonNullEnd = _pos;
            scope.LastNonNullFields = scope.Fields;
        }
    }

    public void FieldNull(ref CompositeScope scope)
    {
        WriteNull();
        FieldDone(ref scope, true);
    }

    public void FieldBoolean(ref CompositeScope scope, bool? value)
    {
        if (value is { } v) WriteBoolean(v); else WriteNull();
        FieldDone(ref scope, value is null);
    }

    public void FieldUByte(ref CompositeScope scope, byte? value)
    {
        if (value is { } v) WriteUByte(v); else WriteNull();
        FieldDone(ref scope, value is null);
    }

    public void FieldUShort(ref CompositeScope scope, ushort? value)
    {
        if (value is { } v) WriteUShort(v); else WriteNull();
        FieldDone(ref scope, value is null);
    }

    public void FieldUInt(ref CompositeScope scope, uint? value)
    {
        if (value is { } v) WriteUInt(v); else WriteNull();
        FieldDone(ref scope, value is null);
    }

    public void FieldULong(ref CompositeScope scope, ulong? value)
    {
        if (value is { } v) WriteULong(v); else WriteNull();
        FieldDone(ref scope, value is null);
    }

    public void FieldTimestamp(ref CompositeScope scope, DateTimeOffset? value)
    {
        if (value is { } v) WriteTimestamp(v); else WriteNull();
        FieldDone(ref scope, value is null);
    }

    public void FieldString(ref CompositeScope scope, string? value)
    {
        WriteString(value);
        FieldDone(ref scope, value is null);
    }

    public void FieldSymbol(ref CompositeScope scope, AmqpSymbol? value)
    {
        if (value is { } v) WriteSymbol(v); else WriteNull();
        FieldDone(ref scope, value is null);
    }

    public void FieldBinary(ref CompositeScope scope, ReadOnlyMemory<byte>? value)
    {
        if (value is { } v) WriteBinary(v.Span); else WriteNull();
        FieldDone(ref scope, value is null);
    }

    public void FieldBinary(ref CompositeScope scope, byte[]? value)
    {
        if (value is null) WriteNull(); else WriteBinary(value);
        FieldDone(ref scope, value is null);
    }

    /// <summary>Writes a <c>multiple="true"</c> symbol field (AMQP 1.0 §1.3): always as an array, even of one.</summary>
    public void FieldSymbols(ref CompositeScope scope, AmqpSymbol[]? value)
    {
        if (value is null) WriteNull(); else WriteArray(value);
        FieldDone(ref scope, value is null);
    }

    public void FieldMap(ref CompositeScope scope, AmqpMap? value)
    {
        WriteMap(value);
        FieldDone(ref scope, value is null);
    }

    public void FieldValue(ref CompositeScope scope, object? value)
    {
        WriteValue(value);
        FieldDone(ref scope, value is null);
    }

    public void FieldComposite(ref CompositeScope scope, IAmqpComposite? value)
    {
        if (value is null) WriteNull(); else value.Encode(ref this);
        FieldDone(ref scope, value is null);
    }

    public void FieldList(ref CompositeScope scope, IList? value)
    {
        WriteList(value);
        FieldDone(ref scope, value is null);
    }
}
