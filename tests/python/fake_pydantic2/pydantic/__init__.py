# A stand-in for pydantic 2 (Debian 12 ships pydantic 1.10): just the API
# surface the NorthMcp override detects and calls on pydantic 2 models and
# fields (model_json_schema, model_validate, model_dump, FieldInfo.metadata),
# so that test_override.py can check that path. Not pydantic.
#
# SPDX-License-Identifier: MIT
VERSION = "2.0-test-stand-in"


class PydanticUndefinedType:
    pass


PydanticUndefined = PydanticUndefinedType()


class Ge:
    def __init__(self, ge):
        self.ge = ge


class MaxLen:
    def __init__(self, max_length):
        self.max_length = max_length


class FieldInfo:
    def __init__(self, default=PydanticUndefined, description=None, ge=None, max_length=None):
        self.default = default
        self.default_factory = None
        self.description = description
        self.title = None
        self.metadata = ([Ge(ge)] if ge is not None else []) + \
            ([MaxLen(max_length)] if max_length is not None else [])


def Field(default=PydanticUndefined, **constraints):
    return FieldInfo(default, **constraints)


class BaseModel:
    """Models declare SCHEMA (what pydantic 2 would generate) and fields."""

    SCHEMA = {}

    def __init__(self, **values):
        self.__dict__.update(values)

    @classmethod
    def model_json_schema(cls, ref_template="#/$defs/{model}"):
        assert ref_template == "#/$defs/{model}"
        return dict(cls.SCHEMA)

    @classmethod
    def model_validate(cls, value):
        if not isinstance(value, dict):
            raise ValueError("Input should be a valid dictionary")
        return cls(**value)

    def model_dump(self, mode="python"):
        assert mode == "json"
        return dict(self.__dict__)
