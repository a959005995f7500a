import pytest

from data_models.models import Student
from lib.personal_number import InvalidPersonalNumber


def test_orm_writes_normalise_personal_numbers(write, read, world):
    with write() as session:
        student = Student(personal_number="080606-9803", first_name="Ny", last_name="Elev",
                          home_municipality_id=world["A"], protected_identity=False)
        session.add(student)
    with read() as session:
        assert session.get(Student, student.id).personal_number == "200806069803"


def test_orm_writes_refuse_a_bad_check_digit(world):
    with pytest.raises(InvalidPersonalNumber, match="kontrollsiffra"):
        Student(personal_number="080606-9804", first_name="Ny", last_name="Elev",
                home_municipality_id=world["A"])
