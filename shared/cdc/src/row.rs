//! A `positions` row (`before`/`after`): its columns and how each becomes a [`Position`] field.

use crate::datum::Datum;
use crate::error::{Bad, DecodeError};
use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, Utc};
use riskmonitor_domain::{InstrumentType, OptionType, Position};
use std::str::FromStr;

/// Which row image of the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Before,
    After,
}

impl Side {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Side::Before => "before",
            Side::After => "after",
        }
    }
}

/// The columns of `positions` the domain knows. Other columns are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    PositionId,
    Desk,
    InstrumentId,
    InstrumentType,
    Underlying,
    Quantity,
    Multiplier,
    Price,
    Delta,
    Vega,
    OptionType,
    Strike,
    Expiry,
    Currency,
    UpdatedAt,
}

impl Column {
    pub(crate) const ALL: [Column; 15] = [
        Column::PositionId,
        Column::Desk,
        Column::InstrumentId,
        Column::InstrumentType,
        Column::Underlying,
        Column::Quantity,
        Column::Multiplier,
        Column::Price,
        Column::Delta,
        Column::Vega,
        Column::OptionType,
        Column::Strike,
        Column::Expiry,
        Column::Currency,
        Column::UpdatedAt,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Column::PositionId => "position_id",
            Column::Desk => "desk",
            Column::InstrumentId => "instrument_id",
            Column::InstrumentType => "instrument_type",
            Column::Underlying => "underlying",
            Column::Quantity => "quantity",
            Column::Multiplier => "multiplier",
            Column::Price => "price",
            Column::Delta => "delta",
            Column::Vega => "vega",
            Column::OptionType => "option_type",
            Column::Strike => "strike",
            Column::Expiry => "expiry",
            Column::Currency => "currency",
            Column::UpdatedAt => "updated_at",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Index into [`Column::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Columns holding a DECIMAL.
    pub(crate) fn is_decimal(self) -> bool {
        matches!(
            self,
            Column::Quantity | Column::Multiplier | Column::Price | Column::Delta | Column::Vega | Column::Strike
        )
    }
}

/// Collects one row's columns in any order, then checks the required ones are there.
#[derive(Debug, Default)]
pub(crate) struct RowBuilder {
    position_id: Option<i64>,
    desk: Option<String>,
    instrument_id: Option<String>,
    instrument_type: Option<InstrumentType>,
    underlying: Option<String>,
    quantity: Option<BigDecimal>,
    multiplier: Option<BigDecimal>,
    price: Option<BigDecimal>,
    delta: Option<BigDecimal>,
    vega: Option<BigDecimal>,
    option_type: Option<OptionType>,
    strike: Option<BigDecimal>,
    expiry: Option<NaiveDate>,
    currency: Option<String>,
    updated_at: Option<DateTime<Utc>>,
}

impl RowBuilder {
    /// Converts `value` to the column's type. A null leaves the column unset.
    pub(crate) fn set(&mut self, side: Side, column: Column, value: Datum<'_>) -> Result<(), DecodeError> {
        if value.is_null() {
            return Ok(());
        }
        self.convert(column, value).map_err(|bad| bad.at(path(side, column)))
    }

    fn convert(&mut self, column: Column, value: Datum<'_>) -> Result<(), Bad> {
        match column {
            Column::PositionId => self.position_id = Some(value.into_i64()?),
            Column::Desk => self.desk = Some(value.into_string()?),
            Column::InstrumentId => self.instrument_id = Some(value.into_string()?),
            Column::InstrumentType => self.instrument_type = Some(parse_enum(&value)?),
            Column::Underlying => self.underlying = Some(value.into_string()?),
            Column::Quantity => self.quantity = Some(value.into_decimal()?),
            Column::Multiplier => self.multiplier = Some(value.into_decimal()?),
            Column::Price => self.price = Some(value.into_decimal()?),
            Column::Delta => self.delta = Some(value.into_decimal()?),
            Column::Vega => self.vega = Some(value.into_decimal()?),
            Column::OptionType => self.option_type = Some(parse_enum(&value)?),
            Column::Strike => self.strike = Some(value.into_decimal()?),
            Column::Expiry => self.expiry = Some(value.into_date()?),
            Column::Currency => self.currency = Some(value.into_string()?),
            Column::UpdatedAt => self.updated_at = Some(value.into_timestamp()?),
        }
        Ok(())
    }

    /// The row, or the first NOT NULL column that never came (or came as null).
    pub(crate) fn finish(self, side: Side) -> Result<Position, DecodeError> {
        fn req<T>(value: Option<T>, side: Side, column: Column) -> Result<T, DecodeError> {
            value.ok_or_else(|| DecodeError::missing(path(side, column)))
        }
        Ok(Position {
            position_id: req(self.position_id, side, Column::PositionId)?,
            desk: req(self.desk, side, Column::Desk)?,
            instrument_id: req(self.instrument_id, side, Column::InstrumentId)?,
            instrument_type: req(self.instrument_type, side, Column::InstrumentType)?,
            underlying: req(self.underlying, side, Column::Underlying)?,
            quantity: req(self.quantity, side, Column::Quantity)?,
            multiplier: req(self.multiplier, side, Column::Multiplier)?,
            price: req(self.price, side, Column::Price)?,
            delta: req(self.delta, side, Column::Delta)?,
            vega: req(self.vega, side, Column::Vega)?,
            option_type: self.option_type,
            strike: self.strike,
            expiry: self.expiry,
            currency: req(self.currency, side, Column::Currency)?,
            updated_at: self.updated_at,
        })
    }
}

fn path(side: Side, column: Column) -> String {
    format!("{}.{}", side.name(), column.name())
}

fn parse_enum<T>(value: &Datum<'_>) -> Result<T, Bad>
where
    T: FromStr<Err = riskmonitor_domain::position::ParseEnumError>,
{
    T::from_str(value.as_str()?).map_err(|e| Bad::Enum { value: e.value, expected: e.expected })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn column_names_round_trip() {
        for (i, c) in Column::ALL.into_iter().enumerate() {
            assert_eq!(Column::from_name(c.name()), Some(c));
            assert_eq!(c.index(), i);
        }
        assert_eq!(Column::from_name("notional"), None);
    }

    #[test]
    fn missing_and_bad_columns_are_named() {
        let mut row = RowBuilder::default();
        row.set(Side::After, Column::PositionId, Datum::Long(7)).unwrap();
        row.set(Side::After, Column::Desk, Datum::Null).unwrap();
        assert_eq!(row.finish(Side::After).unwrap_err(), DecodeError::missing("after.desk"));

        let mut row = RowBuilder::default();
        let err = row.set(Side::Before, Column::InstrumentType, Datum::Str("SWAP".into())).unwrap_err();
        assert_eq!(
            err,
            DecodeError::BadEnum {
                field: "before.instrument_type".into(),
                value: "SWAP".into(),
                expected: "EQUITY, FUTURE, OPTION"
            }
        );
        let err = row.set(Side::Before, Column::Desk, Datum::Long(3)).unwrap_err();
        assert!(matches!(err, DecodeError::WrongType { ref field, .. } if field == "before.desk"), "{err:?}");
    }
}
